import XCTest
import Platform
import VirtIO

typealias ModelTransport = MMIOTransport<ModelRegisters>

/// Where the first test device sits: QEMU virt's slot 31 (filled first).
let slot31: UInt64 = 0x0a00_0000 + 31 * 0x200

/// A device model, its transport, and (optionally) a live queue 0.
struct QueueFixture {
    let platform: TestPlatform
    let device: ModelDevice
    let transport: ModelTransport
    let negotiated: Features
    let queue: SplitVirtqueue<TestPlatform>

    /// A device of `version` offering `features` (plus VERSION_1 when modern), driven
    /// through negotiation, queue 0 set up, and DRIVER_OK.
    init(version: UInt32 = 2, features: Features = [], deviceQueueSize: Int = 8, maximumSize: Int = 256,
         maximumIndirectLength: Int = 32, deviceID: UInt32 = DeviceType.entropy,
         file: StaticString = #filePath, line: UInt = #line) throws {
        platform = TestPlatform()
        var offered = features
        if version == 2 { offered.insert(.version1) }
        device = platform.addDevice(at: slot31, version: version, deviceID: deviceID, features: offered,
                                    queueSizes: [deviceQueueSize], interrupt: 48 + 31)
        transport = try platform.transport(at: slot31)
        negotiated = try DeviceInitialization.negotiate(transport, driverSupports: features.union(.version1))
        queue = try SplitVirtqueue.create(platform: platform, transport: transport, index: 0, maximumSize: maximumSize,
                                          features: negotiated, maximumIndirectLength: maximumIndirectLength)
        DeviceInitialization.finish(transport)
    }

    /// DMA memory for request buffers.
    func buffer(_ size: Int = 4096) -> DMABuffer {
        guard let buffer = platform.allocateDMA(size: size, alignment: 16) else { fatalError("test DMA exhausted") }
        return buffer
    }

    /// Asserts the model saw nothing the spec forbids.
    func assertNoViolations(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(device.violations, [], "device model saw protocol violations", file: file, line: line)
    }

    /// Drains every completion.
    func drain(limit: Int = 1 << 20) -> [UsedBuffer] {
        var used: [UsedBuffer] = []
        while used.count < limit, let next = queue.nextUsed() { used.append(next) }
        return used
    }
}

extension DMABuffer {
    /// A `VirtqueueBuffer` for `length` bytes at `offset` into this allocation.
    func piece(_ offset: Int, _ length: Int, writable: Bool) -> VirtqueueBuffer {
        VirtqueueBuffer(physicalAddress: physicalAddress + UInt64(offset), length: UInt32(length), deviceWritable: writable)
    }
}

/// Asserts `body` throws exactly `expected`.
func XCTAssertThrowsVirtioError<T>(_ expected: VirtioError, _ body: () throws(VirtioError) -> T,
                                   file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected \(expected), nothing was thrown", file: file, line: line)
    } catch {
        XCTAssertEqual(error, expected, file: file, line: line)
    }
}
