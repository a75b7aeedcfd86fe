import DeviceTree
import Drivers
import Platform

/// fw_cfg at boot: found through the device tree, then `opt/lumen/config` read
/// into the settings (command-line `lumen.*` words override it).
enum FirmwareConfig {
    static var device: FwCfgDevice<KernelPlatform>? = nil

    static func start() {
        var configText: String? = nil
        if let window = Kernel.machine.fwCfg,
           let registers = Kernel.platform.mapDevice(base: window.base, size: Int(window.size)),
           let device = FwCfgDevice(platform: Kernel.platform, registers: registers) {
            self.device = device
            do {
                if let bytes = try device.contents(of: LumenSettings.fwCfgFileName) {
                    configText = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                    bootLog("fw_cfg: read \(LumenSettings.fwCfgFileName) (\(bytes.count) bytes)")
                }
            } catch {
                bootLog("fw_cfg: " + error.message)
            }
        }
        Kernel.settings = LumenSettings.load(fwCfgConfig: configText, commandLine: Kernel.machine.bootArguments)
        for warning in Kernel.settings.warnings { bootLog("settings: " + warning) }
    }
}
