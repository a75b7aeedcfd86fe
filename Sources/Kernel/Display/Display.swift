import Drivers
import Graphics
import VirtIO

/// Chooses and starts the display backend at boot: virtio-gpu when present,
/// ramfb otherwise (or when `display=ramfb` is configured).
enum Display {
    /// Sets `screen` up on the first backend that works; the screen stays
    /// without one (serial console only) when none does.
    static func start(_ screen: Screen, settings: LumenSettings, devices: VirtioDevices,
                      firmware: FwCfgDevice<KernelPlatform>?) {
        let platform = screen.platform
        if settings.display != .ramfb, case let registry = devices.registry,
           let (index, transport) = registry.claim(type: DeviceType.gpu, driver: "gpu") {
            let interrupt = registry.devices[index].interrupt
            do {
                let gpu = try KernelGPU(platform: platform, transport: transport, interrupt: interrupt,
                                        disabled: devices.disabledFeatures)
                registry.recordNegotiated(index, gpu.features)
                if let interrupt { _ = platform.registerInterrupt(interrupt) { screen.handleGPUInterrupt(gpu) } }
                if screen.start(gpu: gpu, requested: settings.resolutionSize) { return }
                registry.recordProblem(index, "no usable mode")
            } catch {
                registry.recordProblem(index, error.message)
                registry.release(index)
                bootLog(error.message)
            }
        }
        if settings.display == .virtioGPU {
            bootLog("display: virtio-gpu was asked for but is not usable; trying ramfb")
        }
        if let firmware, RamFBDisplay.start(screen, firmware: firmware,
                                            requested: settings.resolutionSize ?? Size(width: 1024, height: 768)) { return }
        bootLog("display: none (no virtio-gpu, no ramfb); serial console only")
    }
}

extension LumenSettings {
    var resolutionSize: Size? { resolution.map { Size(width: $0.width, height: $0.height) } }
}
