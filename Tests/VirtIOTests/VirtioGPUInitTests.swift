import Drivers
import Platform
import VirtIO
import XCTest

typealias TestGPU = VirtioGPU<TestPlatform, ModelTransport>

/// virtio-gpu's start-up gives back everything it took when it fails part way
/// (it used to leak both queues when DMA memory ran out).
final class VirtioGPUInitTests: XCTestCase {
    func testOutOfDMAMemoryDuringInitialisationLeaksNothing() throws {
        // Control queue, cursor queue, command slots, cursor slot: fail at each in turn.
        for allowed in 0..<4 {
            let platform = TestPlatform()
            let device = platform.addDevice(at: slot31, version: 2, deviceID: DeviceType.gpu,
                                            features: [.version1], queueSizes: [64, 16])
            platform.dmaAllocationsLeft = allowed
            XCTAssertThrowsError(try TestGPU(platform: platform, transport: platform.transport(at: slot31), interrupt: nil),
                                 "\(allowed) allocations")
            XCTAssertTrue(device.deviceStatus.contains(.failed), "\(allowed)")
            XCTAssertEqual(platform.memory.liveBytes, 0, "\(allowed) allocations: everything given back")
            XCTAssertEqual(platform.memory.doubleFrees, 0)
        }
        let platform = TestPlatform()
        _ = platform.addDevice(at: slot31, version: 2, deviceID: DeviceType.gpu, features: [.version1], queueSizes: [64, 16])
        XCTAssertNoThrow(try TestGPU(platform: platform, transport: platform.transport(at: slot31), interrupt: nil))
    }
}
