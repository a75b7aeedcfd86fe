import XCTest
import Platform
@testable import VirtIO

/// SplitVirtqueue against the device side of the ring in the model.
final class SplitVirtqueueTests: XCTestCase {

    // MARK: - Creation

    func testCreatePlacesTheRingsWhereTheDeviceLooks() throws {
        for version: UInt32 in [1, 2] {
            let f = try QueueFixture(version: version, deviceQueueSize: 1024, maximumSize: 64)
            XCTAssertEqual(f.queue.size, 64)
            let areas = try XCTUnwrap(f.device.areas(0))
            XCTAssertEqual(f.device.queues[0].size, 64)
            XCTAssertEqual(areas.driver - areas.descriptors, UInt64(f.queue.layout.driverOffset))
            XCTAssertEqual(areas.device - areas.descriptors, UInt64(f.queue.layout.deviceOffset))
            XCTAssertEqual(areas.descriptors % 4096, 0)
            if version == 1 {
                XCTAssertEqual(f.device.queues[0].align, 4096)
                XCTAssertEqual(areas.device % 4096, 0)
                XCTAssertNotEqual(f.device.queues[0].pfn, 0)
            } else {
                XCTAssertTrue(f.device.queues[0].ready)
            }
            XCTAssertTrue(f.transport.queueIsEnabled(0))
            // The whole ring lies in memory the driver allocated for DMA.
            XCTAssertNotNil(f.platform.memory.pointer(to: areas.descriptors, length: f.queue.layout.totalSize))
            f.assertNoViolations()
        }
    }

    func testCreateChoosesAPowerOfTwo() throws {
        XCTAssertEqual(try QueueFixture(deviceQueueSize: 100).queue.size, 64)
        XCTAssertEqual(try QueueFixture(deviceQueueSize: 256, maximumSize: 16).queue.size, 16)
        XCTAssertEqual(try QueueFixture(deviceQueueSize: 3).queue.size, 2)
        XCTAssertEqual(try QueueFixture(version: 1, deviceQueueSize: 1000, maximumSize: 1000).queue.size, 512)
    }

    func testCreateErrors() throws {
        let platform = TestPlatform()
        platform.addDevice(at: 0x1000, version: 2, deviceID: DeviceType.entropy, features: [.version1], queueSizes: [8, 1])
        let transport = try platform.transport(at: 0x1000)
        _ = try DeviceInitialization.negotiate(transport, driverSupports: [])
        XCTAssertThrowsVirtioError(.queueUnavailable(index: 2)) { () throws(VirtioError) in
            try SplitVirtqueue.create(platform: platform, transport: transport, index: 2, features: [])
        }
        XCTAssertThrowsVirtioError(.queueTooSmall(index: 1, size: 1)) { () throws(VirtioError) in
            try SplitVirtqueue.create(platform: platform, transport: transport, index: 1, features: [])
        }
        _ = try SplitVirtqueue.create(platform: platform, transport: transport, index: 0, features: [])
        XCTAssertThrowsVirtioError(.queueAlreadyInUse(index: 0)) { () throws(VirtioError) in
            try SplitVirtqueue.create(platform: platform, transport: transport, index: 0, features: [])
        }
    }

    func testCreateOutOfMemoryLeaksNothing() throws {
        let platform = TestPlatform()
        platform.addDevice(at: 0x1000, version: 2, deviceID: DeviceType.entropy,
                           features: [.version1, .ringIndirectDescriptors], queueSizes: [8])
        let transport = try platform.transport(at: 0x1000)
        let features = try DeviceInitialization.negotiate(transport, driverSupports: [.ringIndirectDescriptors])
        for allowed in 0...1 {
            platform.dmaAllocationsLeft = allowed
            XCTAssertThrowsVirtioError(.outOfMemory) { () throws(VirtioError) in
                try SplitVirtqueue.create(platform: platform, transport: transport, index: 0, features: features)
            }
            XCTAssertEqual(platform.memory.liveBytes, 0, "nothing left allocated after a failed create (\(allowed))")
            XCTAssertFalse(transport.queueIsEnabled(0))
        }
    }

    func testReleaseDisablesTheQueueAndFreesItsMemory() throws {
        for version: UInt32 in [1, 2] {
            let f = try QueueFixture(version: version, features: [.ringIndirectDescriptors])
            XCTAssertGreaterThan(f.platform.memory.liveBytes, 0)
            f.queue.release(transport: f.transport)
            XCTAssertFalse(f.transport.queueIsEnabled(0))
            XCTAssertEqual(f.platform.memory.liveBytes, 0)
            XCTAssertEqual(f.platform.memory.doubleFrees, 0)
        }
    }

    // MARK: - Free list

    func testSubmitUntilTheFreeListIsExhaustedThenReuse() throws {
        for version: UInt32 in [1, 2] {
            let f = try QueueFixture(version: version, deviceQueueSize: 8)
            let memory = f.buffer()
            var heads: [UInt16] = []
            for i in 0..<8 {
                XCTAssertTrue(f.queue.canSubmit(count: 1))
                heads.append(try f.queue.submit([memory.piece(i * 64, 64, writable: true)]))
            }
            XCTAssertEqual(Set(heads).count, 8)
            XCTAssertTrue(heads.allSatisfy { $0 < 8 })
            XCTAssertEqual(f.queue.freeCount, 0)
            XCTAssertFalse(f.queue.canSubmit(count: 1))
            XCTAssertThrowsVirtioError(.noFreeDescriptors) { () throws(VirtioError) in
                try f.queue.submit([memory.piece(0, 64, writable: true)])
            }
            XCTAssertEqual(f.queue.statistics.submitted, 8, "a refused submit is not counted")
            f.queue.notifyIfNeeded(f.transport)

            // The device finishes only the third request.
            f.device.fetch(0)
            guard f.device.queues[0].pending.count == 8 else { return XCTFail("\(f.device.violations)") }
            let third = f.device.queues[0].pending.remove(at: 2)
            f.device.queues[0].pending.insert(third, at: 0)
            f.device.completionBudget = 1
            f.device.complete(0)
            let used = f.drain()
            XCTAssertEqual(used, [UsedBuffer(head: heads[2], length: 64)])
            XCTAssertEqual(f.queue.freeCount, 1)
            // The freed descriptor is the one handed out next.
            let again = try f.queue.submit([memory.piece(0, 32, writable: true)])
            XCTAssertEqual(again, heads[2])
            XCTAssertEqual(f.queue.outstandingRequests, 8)

            f.device.completionBudget = nil
            f.queue.notifyIfNeeded(f.transport)
            f.device.process(0)
            XCTAssertEqual(f.drain().count, 8)
            XCTAssertEqual(f.queue.freeCount, 8)
            XCTAssertEqual(f.queue.outstandingRequests, 0)
            f.assertNoViolations()
        }
    }

    func testOutOfOrderCompletionsKeepTheFreeListSane() throws {
        for version: UInt32 in [1, 2] {
            let f = try QueueFixture(version: version, deviceQueueSize: 16)
            f.device.completionOrder = .shuffled(seed: 42)
            f.device.keepsLog = false
            let memory = f.buffer(256 * 64)
            var random = SplitMix64(seed: UInt64(version))
            var inFlight: [UInt16: Int] = [:]  // head → chain length
            for round in 0..<3000 {
                // Submit chains of 1...4 descriptors while they fit.
                while true {
                    let count = Int(random.next() % 4) + 1
                    guard f.queue.canSubmit(count: count) else { break }
                    let buffers = (0..<count).map { memory.piece((inFlight.count * 4 + $0) % 256 * 64, 64, writable: $0 == count - 1) }
                    let head = try f.queue.submit(buffers)
                    XCTAssertNil(inFlight[head], "head \(head) handed out twice")
                    inFlight[head] = count
                }
                XCTAssertEqual(f.queue.freeCount, 16 - inFlight.values.reduce(0, +))
                f.queue.notifyIfNeeded(f.transport)
                f.device.completionBudget = Int(random.next() % 5)
                f.device.run()
                for used in f.drain() {
                    XCTAssertEqual(used.length, 64)
                    XCTAssertNotNil(inFlight.removeValue(forKey: used.head), "round \(round): completion for \(used.head)")
                }
                XCTAssertEqual(f.queue.outstandingRequests, inFlight.count)
                XCTAssertFalse(f.queue.isBroken, f.queue.brokenReason ?? "")
                if f.queue.isBroken { break }
            }
            f.device.completionBudget = nil
            f.device.process(0)
            _ = f.drain()
            XCTAssertEqual(f.queue.freeCount, 16)
            f.assertNoViolations()
        }
    }

    // MARK: - Chains

    func testChainAsTheDeviceSeesIt() throws {
        for version: UInt32 in [1, 2] {
            let f = try QueueFixture(version: version, deviceQueueSize: 8)
            let memory = f.buffer()
            let buffers = [memory.piece(0, 16, writable: false), memory.piece(16, 32, writable: false),
                           memory.piece(64, 64, writable: true), memory.piece(128, 128, writable: true)]
            let head = try f.queue.submit(buffers)
            XCTAssertEqual(f.queue.freeCount, 4)
            f.queue.notifyIfNeeded(f.transport)
            f.device.fetch(0)
            let request = try XCTUnwrap(f.device.queues[0].pending.first)
            XCTAssertEqual(request.head, head)
            XCTAssertEqual(request.ringDescriptors.count, 4)
            XCTAssertEqual(Set(request.ringDescriptors).count, 4)
            XCTAssertNil(request.indirectTable)
            XCTAssertEqual(request.buffers, buffers.map { ModelBuffer(address: $0.physicalAddress, length: $0.length, writable: $0.deviceWritable) })
            // Flags as written in the descriptor table.
            let areas = try XCTUnwrap(f.device.areas(0))
            let flags = request.ringDescriptors.map { f.device.readDescriptor(areas.descriptors + 16 * UInt64($0)).flags }
            XCTAssertEqual(flags, [1, 1, 3, 2], "NEXT, NEXT, NEXT|WRITE, WRITE")
            f.device.complete(0)
            XCTAssertEqual(f.drain(), [UsedBuffer(head: head, length: 192)])
            XCTAssertEqual(f.queue.freeCount, 8)
            f.assertNoViolations()
        }
    }

    func testChainLimitsWithoutIndirect() throws {
        let f = try QueueFixture(deviceQueueSize: 8)
        let memory = f.buffer()
        let nine = (0..<9).map { memory.piece($0 * 16, 16, writable: true) }
        XCTAssertFalse(f.queue.canSubmit(count: 9))
        XCTAssertThrowsVirtioError(.chainTooLong) { () throws(VirtioError) in try f.queue.submit(nine) }
        XCTAssertThrowsVirtioError(.emptyChain) { () throws(VirtioError) in try f.queue.submit([]) }
        // §2.7.4.2: readable buffers first, then writable ones.
        let misordered = [memory.piece(0, 16, writable: true), memory.piece(16, 16, writable: false)]
        XCTAssertThrowsVirtioError(.readableAfterWritable) { () throws(VirtioError) in try f.queue.submit(misordered) }
        XCTAssertEqual(f.queue.freeCount, 8, "a refused chain takes nothing")
        // A chain of exactly the queue size fits when everything is free...
        let head = try f.queue.submit(Array(nine.prefix(8)))
        XCTAssertEqual(f.queue.freeCount, 0)
        XCTAssertThrowsVirtioError(.noFreeDescriptors) { () throws(VirtioError) in try f.queue.submit([nine[0]]) }
        f.queue.notifyIfNeeded(f.transport)
        f.device.process(0)
        XCTAssertEqual(f.drain(), [UsedBuffer(head: head, length: 128)])
        // ...but not when one descriptor is busy.
        _ = try f.queue.submit([nine[0]])
        XCTAssertThrowsVirtioError(.noFreeDescriptors) { () throws(VirtioError) in try f.queue.submit(Array(nine.prefix(8))) }
        XCTAssertEqual(f.queue.statistics.indirectChains, 0)
        f.assertNoViolations()
    }

    func testIndirectTables() throws {
        for version: UInt32 in [1, 2] {
            let f = try QueueFixture(version: version, features: [.ringIndirectDescriptors], deviceQueueSize: 8)
            XCTAssertTrue(f.negotiated.contains(.ringIndirectDescriptors))
            XCTAssertTrue(f.queue.usesIndirect)
            let memory = f.buffer(8 * 6 * 32)
            var heads: [UInt16] = []
            var submitted: [[VirtqueueBuffer]] = []
            // 8 requests × 6 buffers: 48 buffers in flight on an 8-entry ring.
            for r in 0..<8 {
                let buffers = (0..<6).map { memory.piece((r * 6 + $0) * 32, 32, writable: $0 >= 2) }
                XCTAssertTrue(f.queue.canSubmit(count: 6))
                heads.append(try f.queue.submit(buffers))
                submitted.append(buffers)
            }
            XCTAssertEqual(f.queue.freeCount, 0)
            XCTAssertEqual(f.queue.statistics.indirectChains, 8)
            XCTAssertThrowsVirtioError(.noFreeDescriptors) { () throws(VirtioError) in try f.queue.submit(submitted[0]) }
            f.queue.notifyIfNeeded(f.transport)
            f.device.fetch(0)
            let requests = f.device.queues[0].pending
            XCTAssertEqual(requests.count, 8)
            for (request, (head, buffers)) in zip(requests, zip(heads, submitted)) {
                XCTAssertEqual(request.head, head)
                XCTAssertEqual(request.ringDescriptors, [head], "one ring descriptor per request")
                XCTAssertEqual(request.headDescriptor.flags, 4, "INDIRECT only")
                XCTAssertEqual(request.headDescriptor.length, 6 * 16)
                let table = try XCTUnwrap(request.indirectTable)
                XCTAssertEqual(table.count, 6)
                for (i, entry) in table.enumerated() {
                    let last = i == 5
                    XCTAssertEqual(entry.address, buffers[i].physicalAddress)
                    XCTAssertEqual(entry.length, 32)
                    XCTAssertEqual(entry.flags, (last ? 0 : 1) | (i >= 2 ? 2 : 0), "entry \(i)")
                    if !last { XCTAssertEqual(entry.next, UInt16(i + 1)) }
                }
                XCTAssertEqual(request.writableBytes, 4 * 32)
            }
            // Indirect tables of different requests do not overlap.
            let tableAddresses = requests.map { $0.headDescriptor.address }
            XCTAssertEqual(Set(tableAddresses).count, 8)
            f.device.completionOrder = .lifo
            f.device.complete(0)
            let used = f.drain()
            XCTAssertEqual(used.map { $0.head }, heads.reversed())
            XCTAssertTrue(used.allSatisfy { $0.length == 128 })
            XCTAssertEqual(f.queue.freeCount, 8)

            // A single buffer does not go indirect.
            let single = try f.queue.submit([memory.piece(0, 16, writable: true)])
            f.queue.notifyIfNeeded(f.transport)
            f.device.fetch(0)
            XCTAssertEqual(f.device.queues[0].pending.last?.headDescriptor.flags, 2)
            XCTAssertEqual(f.device.queues[0].pending.last?.head, single)
            f.assertNoViolations()
        }
    }

    func testChainsLongerThanTheIndirectTableFallBackToDirect() throws {
        let f = try QueueFixture(features: [.ringIndirectDescriptors], deviceQueueSize: 8, maximumIndirectLength: 4)
        XCTAssertEqual(f.queue.maximumIndirectLength, 4)
        let memory = f.buffer()
        let four = (0..<4).map { memory.piece($0 * 16, 16, writable: true) }
        let six = (0..<6).map { memory.piece($0 * 16, 16, writable: true) }
        _ = try f.queue.submit(four)
        XCTAssertEqual(f.queue.freeCount, 7)
        _ = try f.queue.submit(six)
        XCTAssertEqual(f.queue.freeCount, 1)
        XCTAssertFalse(f.queue.canSubmit(count: 6))
        XCTAssertTrue(f.queue.canSubmit(count: 4))
        XCTAssertThrowsVirtioError(.chainTooLong) { () throws(VirtioError) in
            try f.queue.submit((0..<9).map { memory.piece($0 * 16, 16, writable: true) })
        }
        f.queue.notifyIfNeeded(f.transport)
        f.device.fetch(0)
        let pending = f.device.queues[0].pending
        XCTAssertEqual(pending.map { $0.ringDescriptors.count }, [1, 6])
        guard pending.count == 2 else { return XCTFail("the device could not parse the requests: \(f.device.violations)") }
        XCTAssertNotNil(pending[0].indirectTable)
        XCTAssertNil(pending[1].indirectTable)
        f.device.complete(0)
        XCTAssertEqual(f.drain().map { $0.length }, [64, 96])
        XCTAssertEqual(f.queue.freeCount, 8)
        f.assertNoViolations()
    }

    // MARK: - Notifications and interrupts

    func testUsedEventIsWrittenAfterConsuming() throws {
        for version: UInt32 in [1, 2] {
            let f = try QueueFixture(version: version, features: [.ringEventIndex], deviceQueueSize: 8)
            XCTAssertTrue(f.queue.usesEventIndex)
            let memory = f.buffer()
            for i in 0..<3 { _ = try f.queue.submit([memory.piece(i * 16, 16, writable: true)]) }
            f.queue.notifyIfNeeded(f.transport)
            f.device.process(0)
            XCTAssertEqual(f.device.interruptsRaised, 1, "used_event 0: interrupt at the first completion")
            XCTAssertEqual(f.device.usedEvent(0), 0)
            for expected in 1...3 {
                XCTAssertNotNil(f.queue.nextUsed())
                XCTAssertEqual(f.device.usedEvent(0), UInt16(expected), "used_event follows what was consumed")
            }
            f.assertNoViolations()
        }
    }

    func testTheDeviceInterruptsOnlyPastUsedEvent() throws {
        let f = try QueueFixture(features: [.ringEventIndex], deviceQueueSize: 8)
        let memory = f.buffer()
        for i in 0..<3 { _ = try f.queue.submit([memory.piece(i * 16, 16, writable: true)]) }
        f.queue.notifyIfNeeded(f.transport)
        f.device.fetch(0)
        f.device.completionBudget = 1
        f.device.complete(0)           // used 0→1, used_event 0: interrupt
        XCTAssertEqual(f.device.interruptsRaised, 1)
        f.device.completionBudget = 1
        f.device.complete(0)           // used 1→2, driver has not consumed: no interrupt
        XCTAssertEqual(f.device.interruptsRaised, 1)
        XCTAssertEqual(f.device.interruptsSuppressed, 1)
        XCTAssertEqual(f.drain().count, 2)  // used_event = 2
        f.device.completionBudget = 1
        f.device.complete(0)           // used 2→3 passes used_event 2: interrupt
        XCTAssertEqual(f.device.interruptsRaised, 2)
        XCTAssertTrue(f.queue.enableInterrupts(), "a completion is waiting")
        f.assertNoViolations()
    }

    func testNotifyIfNeededFollowsAvailEvent() throws {
        let f = try QueueFixture(features: [.ringEventIndex], deviceQueueSize: 8)
        f.device.queues[0].availEventPolicy = .manual
        let memory = f.buffer()
        func submitOne() throws { _ = try f.queue.submit([memory.piece(0, 16, writable: true)]) }

        f.device.setAvailEvent(0, 2)
        try submitOne()                                  // idx 0→1: entry 0 published
        XCTAssertFalse(f.queue.notifyIfNeeded(f.transport))
        try submitOne()                                  // 1→2: entry 1
        XCTAssertFalse(f.queue.notifyIfNeeded(f.transport))
        XCTAssertEqual(f.device.queues[0].notifications, 0)
        try submitOne()                                  // 2→3: entry 2, the one asked for
        XCTAssertTrue(f.queue.notifyIfNeeded(f.transport))
        XCTAssertEqual(f.device.queues[0].notifications, 1)
        XCTAssertFalse(f.queue.notifyIfNeeded(f.transport), "nothing new: no kick")
        // A batch that passes the event in the middle kicks once.
        f.device.setAvailEvent(0, 4)
        try submitOne(); try submitOne(); try submitOne()  // 3→6 covers 4
        XCTAssertTrue(f.queue.notifyIfNeeded(f.transport))
        XCTAssertEqual(f.device.queues[0].notifications, 2)
        XCTAssertEqual(f.queue.statistics.kicks, 2)
        XCTAssertEqual(f.queue.statistics.kicksSuppressed, 2)
        // With EVENT_IDX the NO_NOTIFY flag is not the device's word: avail_event is.
        f.device.process(0)
        _ = f.drain()
        f.device.setNoNotify(0, true)
        f.device.setAvailEvent(0, 6)
        try submitOne()
        XCTAssertTrue(f.queue.notifyIfNeeded(f.transport))
        f.assertNoViolations()
    }

    /// More than 65536 requests through a 4-entry queue: indices wrap many times on
    /// both rings; every kick decision matches the reference formula.
    func testEventIndexAcrossIndexWraparound() throws {
        for version: UInt32 in [1, 2] {
            let f = try QueueFixture(version: version, features: [.ringEventIndex], deviceQueueSize: 4)
            f.device.queues[0].availEventPolicy = .manual
            f.device.keepsLog = false
            f.device.fillsWithPattern = false
            let memory = f.buffer()
            var random = SplitMix64(seed: 7 + UInt64(version))
            var published: UInt64 = 0
            var lastNotified: UInt16 = 0
            var expectedKicks = 0
            var completedTotal = 0
            var batches = 0
            while published < 70_000 {
                batches += 1
                let batch = Int(random.next() % 4) + 1
                for i in 0..<batch { _ = try f.queue.submit([memory.piece(i * 16, 16, writable: true)]) }
                published += UInt64(batch)
                let new = UInt16(truncatingIfNeeded: published)
                // The device asks for an entry somewhere around the current index.
                let event = lastNotified &+ UInt16(truncatingIfNeeded: Int(random.next() % 9) - 2)
                f.device.setAvailEvent(0, event)
                let expected = referenceNeedEvent(event: event, new: new, old: lastNotified)
                XCTAssertEqual(f.queue.notifyIfNeeded(f.transport), expected, "old \(lastNotified) new \(new) event \(event)")
                if expected { expectedKicks += 1 }
                lastNotified = new
                f.device.process(0)
                let used = f.drain()
                XCTAssertEqual(used.count, batch)
                completedTotal += used.count
                XCTAssertEqual(f.device.usedEvent(0), new, "used_event after draining")
                if f.queue.isBroken { XCTFail(f.queue.brokenReason!); break }
            }
            XCTAssertEqual(f.device.queues[0].notifications, expectedKicks)
            XCTAssertEqual(f.queue.statistics.kicks, UInt64(expectedKicks))
            XCTAssertEqual(f.queue.statistics.kicks + f.queue.statistics.kicksSuppressed, UInt64(batches), "one decision per batch")
            XCTAssertEqual(f.queue.statistics.submitted, published)
            XCTAssertEqual(f.queue.statistics.completed, UInt64(completedTotal))
            XCTAssertEqual(f.device.queues[0].lastAvail, UInt16(truncatingIfNeeded: published))
            XCTAssertEqual(f.device.queues[0].usedIndex, UInt16(truncatingIfNeeded: published))
            XCTAssertGreaterThan(expectedKicks, 0)
            XCTAssertLessThan(expectedKicks, Int(published))
            XCTAssertEqual(f.queue.freeCount, 4)
            f.assertNoViolations()
        }
    }

    /// The same traffic with the device that asks for the next entry each time and
    /// sleeps until kicked: a missed kick would stall it.
    func testNoLostKicksAcrossWraparound() throws {
        let f = try QueueFixture(features: [.ringEventIndex, .ringIndirectDescriptors], deviceQueueSize: 4)
        f.device.keepsLog = false
        f.device.fillsWithPattern = false
        let memory = f.buffer()
        var random = SplitMix64(seed: 99)
        var done = 0
        while done < 66_000 {
            let batch = Int(random.next() % 4) + 1
            for i in 0..<batch {
                let chain = Int(random.next() % 3) + 1
                _ = try f.queue.submit((0..<chain).map { memory.piece((i * 3 + $0) * 16, 16, writable: true) })
            }
            f.queue.notifyIfNeeded(f.transport)
            f.device.run()  // services the queue only if it was kicked
            let used = f.drain()
            XCTAssertEqual(used.count, batch, "the device was not told about new buffers")
            if used.count != batch { break }
            done += batch
        }
        XCTAssertEqual(f.device.queues[0].notifications, Int(f.queue.statistics.kicks))
        XCTAssertGreaterThan(f.queue.statistics.submitted, 65536)
        f.assertNoViolations()
    }

    func testNoNotifyFlagWithoutEventIndex() throws {
        for version: UInt32 in [1, 2] {
            let f = try QueueFixture(version: version, deviceQueueSize: 8)
            XCTAssertFalse(f.queue.usesEventIndex)
            let memory = f.buffer()
            XCTAssertFalse(f.queue.notifyIfNeeded(f.transport), "nothing submitted")
            XCTAssertEqual(f.queue.statistics.kicks + f.queue.statistics.kicksSuppressed, 0)

            _ = try f.queue.submit([memory.piece(0, 16, writable: true)])
            XCTAssertTrue(f.queue.notifyIfNeeded(f.transport))
            f.device.setNoNotify(0, true)
            _ = try f.queue.submit([memory.piece(0, 16, writable: true)])
            _ = try f.queue.submit([memory.piece(0, 16, writable: true)])
            XCTAssertFalse(f.queue.notifyIfNeeded(f.transport))
            XCTAssertEqual(f.device.queues[0].notifications, 1)
            f.device.setNoNotify(0, false)
            _ = try f.queue.submit([memory.piece(0, 16, writable: true)])
            XCTAssertTrue(f.queue.notifyIfNeeded(f.transport))
            XCTAssertEqual(f.device.queues[0].notifications, 2)
            XCTAssertEqual(f.queue.statistics.kicks, 2)
            XCTAssertEqual(f.queue.statistics.kicksSuppressed, 1)
            f.assertNoViolations()
        }
    }

    func testInterruptSuppressionFlagWithoutEventIndex() throws {
        let f = try QueueFixture(deviceQueueSize: 8)
        let memory = f.buffer()
        f.queue.suppressInterrupts()
        XCTAssertEqual(f.device.availFlags(0), 1)
        _ = try f.queue.submit([memory.piece(0, 16, writable: true)])
        f.queue.notifyIfNeeded(f.transport)
        f.device.process(0)
        XCTAssertEqual(f.device.interruptsRaised, 0)
        XCTAssertEqual(f.device.interruptsSuppressed, 1)
        XCTAssertTrue(f.queue.hasUsed)
        XCTAssertTrue(f.queue.enableInterrupts(), "work arrived while interrupts were off")
        XCTAssertEqual(f.device.availFlags(0), 0)
        XCTAssertEqual(f.drain().count, 1)
        XCTAssertFalse(f.queue.enableInterrupts())
        _ = try f.queue.submit([memory.piece(0, 16, writable: true)])
        f.queue.notifyIfNeeded(f.transport)
        f.device.process(0)
        XCTAssertEqual(f.device.interruptsRaised, 1)
        f.assertNoViolations()
    }

    func testStatistics() throws {
        let f = try QueueFixture(features: [.ringIndirectDescriptors], deviceQueueSize: 8)
        let memory = f.buffer()
        _ = try f.queue.submit([memory.piece(0, 16, writable: true)])
        _ = try f.queue.submit([memory.piece(0, 16, writable: false), memory.piece(16, 16, writable: true)])
        f.queue.notifyIfNeeded(f.transport)
        f.device.setNoNotify(0, true)
        _ = try f.queue.submit([memory.piece(0, 16, writable: true)])
        f.queue.notifyIfNeeded(f.transport)
        XCTAssertEqual(f.queue.outstandingRequests, 3)
        f.device.process(0)
        XCTAssertEqual(f.drain().map { $0.length }, [16, 16, 16])
        let s = f.queue.statistics
        XCTAssertEqual(s.submitted, 3)
        XCTAssertEqual(s.completed, 3)
        XCTAssertEqual(s.kicks, 1)
        XCTAssertEqual(s.kicksSuppressed, 1)
        XCTAssertEqual(s.indirectChains, 1)
        XCTAssertEqual(f.queue.outstandingRequests, 0)
        f.assertNoViolations()
    }

    /// Device-writable totals above 4 GiB must not wrap to a small number and make
    /// an honest completion look like an overrun.
    func testWritableLengthAbove4GiBDoesNotWrap() throws {
        let f = try QueueFixture(deviceQueueSize: 8)
        let big = [VirtqueueBuffer(physicalAddress: 0x1_0000_0000, length: 0x8000_0000, deviceWritable: true),
                   VirtqueueBuffer(physicalAddress: 0x1_8000_0000, length: 0x8000_0000, deviceWritable: true)]
        let head = try f.queue.submit(big)
        // The device (without touching the buffers) reports 4096 bytes written.
        f.device.pushUsedRaw(0, id: UInt32(head), length: 4096)
        XCTAssertEqual(f.queue.nextUsed(), UsedBuffer(head: head, length: 4096))
        XCTAssertFalse(f.queue.isBroken, f.queue.brokenReason ?? "")
    }
}
