import Drivers
import Graphics
import VirtIO

/// Chooses and starts the display backend at boot: virtio-gpu when present,
/// ramfb otherwise (or when `display=ramfb` is configured).
enum Display {
    static func start() {
        let settings = Kernel.settings
        if settings.display != .ramfb, let registry = VirtioDevices.registry,
           let (index, transport) = registry.claim(type: DeviceType.gpu, driver: "gpu") {
            let interrupt = registry.devices[index].interrupt
            do {
                let gpu = try KernelGPU(platform: Kernel.platform, transport: transport, interrupt: interrupt,
                                        disabled: VirtioDevices.disabledFeatures)
                registry.recordNegotiated(index, gpu.features)
                if let interrupt { _ = Kernel.platform.registerInterrupt(interrupt) { Screen.handleGPUInterrupt() } }
                if Screen.start(gpu: gpu, requested: settings.resolutionSize) { return }
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
        if RamFBDisplay.start(requested: settings.resolutionSize ?? Size(width: 1024, height: 768)) { return }
        bootLog("display: none (no virtio-gpu, no ramfb); serial console only")
    }
}

extension LumenSettings {
    var resolutionSize: Size? { resolution.map { Size(width: $0.width, height: $0.height) } }
}
