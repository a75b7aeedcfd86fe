import Drivers
import Graphics
import Platform

/// ramfb: a framebuffer in ordinary RAM that QEMU scans out, configured by
/// writing a big-endian RAMFBCfg to the fw_cfg file `etc/ramfb` by DMA.
/// The framebuffer is allocated like any other memory, never at a fixed address.
enum RamFBDisplay {
    static func start(_ screen: Screen, firmware fwCfg: FwCfgDevice<KernelPlatform>, requested: Size) -> Bool {
        let platform = screen.platform
        guard let file = fwCfg.file(named: RAMFBConfiguration.fileName) else { return false }
        let bytes = requested.width * requested.height * 4
        guard let memory = platform.allocateDMA(size: bytes, alignment: 4096) else {
            bootLog("display: ramfb: no memory for a \(requested.width)x\(requested.height) framebuffer")
            return false
        }
        let configuration: RAMFBConfiguration
        do throws(RAMFBError) {
            configuration = try RAMFBConfiguration(address: memory.physicalAddress, width: requested.width, height: requested.height)
        } catch {
            platform.freeDMA(memory)
            bootLog("display: ramfb: " + error.message)
            return false
        }
        do throws(FwCfgDeviceError) {
            try fwCfg.write(selector: file.selector, bytes: configuration.bytes)
        } catch {
            platform.freeDMA(memory)
            bootLog("display: ramfb: " + error.message)
            return false
        }
        screen.framebuffer = memory
        screen.size = requested
        screen.surface = Surface(pixels: memory.pointer.bindMemory(to: UInt32.self, capacity: requested.width * requested.height),
                                 width: requested.width, height: requested.height)
        screen.damage = DamageTracker(width: requested.width, height: requested.height)
        screen.backend = .ramfb
        bootLog("display: ramfb \(requested.width)x\(requested.height) at " + hex(memory.physicalAddress))
        return true
    }
}
