import DeviceTree
import Drivers
import Platform

/// fw_cfg at boot: found through the device tree, then `opt/lumen/config` read
/// into the settings (command-line `lumen.*` words override it).
enum FirmwareConfig {
    /// The fw_cfg device (nil without one) and the settings: fw_cfg's file,
    /// then the command line's words.
    static func start(machine: MachineDescription, platform: KernelPlatform)
        -> (device: FwCfgDevice<KernelPlatform>?, settings: LumenSettings) {
        var configText: String? = nil
        var found: FwCfgDevice<KernelPlatform>? = nil
        if let window = machine.fwCfg,
           let registers = platform.mapDevice(base: window.base, size: Int(window.size)),
           let device = FwCfgDevice(platform: platform, registers: registers) {
            found = device
            do {
                if let bytes = try device.contents(of: LumenSettings.fwCfgFileName) {
                    configText = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                    bootLog("fw_cfg: read \(LumenSettings.fwCfgFileName) (\(bytes.count) bytes)")
                }
            } catch {
                bootLog("fw_cfg: " + error.message)
            }
        }
        let settings = LumenSettings.load(fwCfgConfig: configText, commandLine: machine.bootArguments)
        for warning in settings.warnings { bootLog("settings: " + warning) }
        return (found, settings)
    }
}
