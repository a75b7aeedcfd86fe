import XCTest
import Platform
@testable import VirtIO

/// A device that writes nonsense into its used ring: the queue must notice, stop,
/// say why, and never free a descriptor twice or trap.
final class HostileDeviceTests: XCTestCase {

    /// What each act must be reported as.
    static func expectedWords(_ hostility: ModelHostility) -> [String] {
        switch hostility {
        case .outOfRangeID: return ["names descriptor 11", "queue has 8"]
        case .freeDescriptorID, .nonHeadDescriptorID, .repeatedID: return ["not in flight"]
        case .overlongLength: return ["wrote 33 bytes", "32 writable"]
        case .indexJump: return ["used index moved", "to 9"]
        case .indexBackwards: return ["used index moved", "to 65535"]
        }
    }

    func testEveryHostileActBreaksTheQueueCleanly() throws {
        for version: UInt32 in [1, 2] {
            for eventIndex in [false, true] {
                for hostility in ModelHostility.allCases {
                    try check(hostility, version: version, features: eventIndex ? [.ringEventIndex] : [])
                }
            }
        }
    }

    private func check(_ hostility: ModelHostility, version: UInt32, features: Features) throws {
        let context = "\(hostility) v\(version) \(features.rawValue)"
        let f = try QueueFixture(version: version, features: features, deviceQueueSize: 8)
        let memory = f.buffer()
        // In flight: a 2-descriptor chain (16 readable + 32 writable) and two single
        // 32-byte writable buffers: 3 heads, 4 descriptors.
        let chain = try f.queue.submit([memory.piece(0, 16, writable: false), memory.piece(16, 32, writable: true)])
        _ = try f.queue.submit([memory.piece(64, 32, writable: true)])
        _ = try f.queue.submit([memory.piece(96, 32, writable: true)])
        XCTAssertEqual(f.queue.freeCount, 4)
        f.queue.notifyIfNeeded(f.transport)
        f.device.hostility = hostility
        f.device.run()
        XCTAssertNil(f.device.hostility, context + ": the model acted")

        var completions: [UsedBuffer] = []
        for _ in 0..<20 {
            guard let used = f.queue.nextUsed() else { break }
            completions.append(used)
        }
        if hostility == .repeatedID {
            XCTAssertEqual(completions, [UsedBuffer(head: chain, length: 32)], context + ": the first, honest entry")
        } else {
            XCTAssertEqual(completions, [], context)
        }
        XCTAssertTrue(f.queue.isBroken, context)
        let reason = f.queue.brokenReason ?? ""
        XCTAssertTrue(reason.hasPrefix("queue 0: "), context + ": " + reason)
        for word in HostileDeviceTests.expectedWords(hostility) {
            XCTAssertTrue(reason.contains(word), context + ": '\(reason)' should mention '\(word)'")
        }
        // Nothing freed by the bad entry (the honest first entry freed its 2 descriptors).
        XCTAssertEqual(f.queue.freeCount, hostility == .repeatedID ? 6 : 4, context)
        XCTAssertEqual(f.queue.outstandingRequests, hostility == .repeatedID ? 2 : 3, context)
        // Stopped for good.
        XCTAssertNil(f.queue.nextUsed(), context)
        XCTAssertFalse(f.queue.hasUsed, context)
        XCTAssertFalse(f.queue.canSubmit(count: 1), context)
        XCTAssertThrowsVirtioError(.deviceBroken) { () throws(VirtioError) in
            try f.queue.submit([memory.piece(128, 16, writable: true)])
        }
        // The device completing the rest honestly afterwards changes nothing.
        f.device.run()
        XCTAssertNil(f.queue.nextUsed(), context)
        XCTAssertEqual(f.queue.brokenReason, reason, context + ": the first reason is kept")
        XCTAssertEqual(f.queue.statistics.completed, hostility == .repeatedID ? 1 : 0, context)
        f.assertNoViolations()
    }

    func testACompletionWithNothingInFlight() throws {
        let f = try QueueFixture(deviceQueueSize: 8)
        f.device.pushUsedRaw(0, id: 0, length: 0)
        XCTAssertNil(f.queue.nextUsed())
        XCTAssertTrue(f.queue.isBroken)
        XCTAssertTrue(f.queue.brokenReason?.contains("0 descriptors in flight") ?? false, f.queue.brokenReason ?? "")
        XCTAssertEqual(f.queue.freeCount, 8)
    }

    func testAJumpOfExactlyTheQueueSizeIsNotAnOverrun() throws {
        // 8 completions at once on an 8-entry ring is legal.
        let f = try QueueFixture(deviceQueueSize: 8)
        let memory = f.buffer()
        for i in 0..<8 { _ = try f.queue.submit([memory.piece(i * 16, 16, writable: true)]) }
        f.queue.notifyIfNeeded(f.transport)
        f.device.process(0)
        XCTAssertEqual(f.device.queues[0].usedIndex, 8)
        XCTAssertEqual(f.drain().count, 8)
        XCTAssertFalse(f.queue.isBroken)
        f.assertNoViolations()
    }

    func testAShortLengthIsAccepted() throws {
        // A device may write less than the buffer holds (and zero is legal).
        let f = try QueueFixture(deviceQueueSize: 8)
        let memory = f.buffer()
        let a = try f.queue.submit([memory.piece(0, 64, writable: true)])
        let b = try f.queue.submit([memory.piece(64, 16, writable: false)])
        f.device.usedLength = { $0.writableBytes == 0 ? 0 : 10 }
        f.queue.notifyIfNeeded(f.transport)
        f.device.process(0)
        XCTAssertEqual(f.drain(), [UsedBuffer(head: a, length: 10), UsedBuffer(head: b, length: 0)])
        XCTAssertFalse(f.queue.isBroken)
    }

    func testAnyLengthOnAReadOnlyRequestIsAnOverrun() throws {
        let f = try QueueFixture(deviceQueueSize: 8)
        let memory = f.buffer()
        _ = try f.queue.submit([memory.piece(0, 64, writable: false)])
        f.device.usedLength = { _ in 1 }
        f.queue.notifyIfNeeded(f.transport)
        f.device.process(0)
        XCTAssertNil(f.queue.nextUsed())
        XCTAssertTrue(f.queue.brokenReason?.contains("into 0 writable bytes") ?? false, f.queue.brokenReason ?? "")
        XCTAssertEqual(f.queue.freeCount, 7)
    }

    /// Random garbage in the used ring, many times over: never a trap, never a
    /// double free, the free count never exceeds the queue size.
    func testRandomUsedRingGarbage() throws {
        var random = SplitMix64(seed: 0xbad)
        for trial in 0..<300 {
            let f = try QueueFixture(version: trial % 2 == 0 ? 1 : 2, features: trial % 3 == 0 ? [.ringIndirectDescriptors] : [],
                                     deviceQueueSize: 8)
            let memory = f.buffer()
            var submitted = 0
            while f.queue.canSubmit(count: 2) && submitted < 5 {
                _ = try f.queue.submit([memory.piece(0, 16, writable: false), memory.piece(16, 16, writable: true)])
                submitted += 1
            }
            f.queue.notifyIfNeeded(f.transport)
            f.device.fetch(0)
            // Some honest completions, then garbage entries and a random index.
            let honest = Int(random.next() % 3)
            f.device.completionBudget = honest
            f.device.complete(0)
            for _ in 0..<Int(random.next() % 4) {
                f.device.pushUsedRaw(0, id: UInt32(truncatingIfNeeded: random.next() % 12), length: UInt32(random.next() % 24))
            }
            if random.next() % 4 == 0, let areas = f.device.areas(0) {
                f.device.store16(areas.device + 2, UInt16(truncatingIfNeeded: random.next()))
            }
            var seen = Set<UInt16>()
            while let used = f.queue.nextUsed() {
                XCTAssertTrue(seen.insert(used.head).inserted, "trial \(trial): head \(used.head) completed twice")
                XCTAssertLessThanOrEqual(used.length, 16)
            }
            XCTAssertLessThanOrEqual(f.queue.freeCount, f.queue.size, "trial \(trial)")
            XCTAssertGreaterThanOrEqual(f.queue.freeCount, 0, "trial \(trial)")
            XCTAssertEqual(f.queue.outstandingRequests, submitted - seen.count, "trial \(trial)")
        }
    }
}
