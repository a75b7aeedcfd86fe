import Drivers
import Platform
import VirtIO
import XCTest

/// DEVICE_NEEDS_RESET and shutdown: the driver tears its queue down, sets the
/// device up again, and keeps serving; after shutdown nothing is touched.
extension VirtioRNGTests {
    func testNeedsResetRestartsTheDeviceAndReadsContinue() throws {
        for version: UInt32 in [1, 2] {
            let s = try makeRNG(version: version)
            _ = try read(s.rng, 4096)
            let memoryBefore = s.platform.memory.liveBytes
            s.device.signalNeedsReset()
            s.rng.handleInterrupt()
            XCTAssertEqual(s.rng.restarts, 1, "v\(version)")
            XCTAssertTrue(s.device.deviceStatus.contains(.driverOK), "v\(version): live again")
            XCTAssertFalse(s.device.deviceStatus.contains(.deviceNeedsReset), "v\(version): reset cleared the flag")
            XCTAssertEqual(s.platform.memory.liveBytes, memoryBefore, "v\(version): the old queue's memory was given back")
            let more = try read(s.rng, 64 << 10)
            XCTAssertEqual(more.count, 64 << 10)
            XCTAssertFalse(s.rng.queue.isBroken)
            XCTAssertEqual(s.device.violations, [], "v\(version)")
        }
    }

    func testShutdownStopsTheDeviceAndFreesItsMemory() throws {
        let s = try makeRNG()
        _ = try read(s.rng, 1000)
        s.rng.shutdown()
        XCTAssertEqual(s.device.deviceStatus.rawValue, 0, "the device was reset")
        XCTAssertThrowsError(try read(s.rng, 16)) { error in
            XCTAssertEqual(error as? RNGError, .stopped)
        }
        s.rng.handleInterrupt()  // a late interrupt touches nothing
        XCTAssertEqual(s.rng.readAvailable(into: UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 1)), 0)
    }
}
