import XCTest
import Platform
import VirtIO
import Drivers

final class VirtioInputTests: XCTestCase {
    func assertClean(_ s: InputSetup, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(s.device.violations, [], "device model saw protocol violations", file: file, line: line)
    }

    // MARK: - Config space

    func testKeyboardIdentityAndClassification() throws {
        for version: UInt32 in [1, 2] {
            let s = try InputSetup(kind: .keyboard, version: version)
            let log = FrameLog()
            let input = try s.makeDriver(frames: log)
            XCTAssertEqual(input.info.name, "QEMU Virtio Keyboard")
            XCTAssertEqual(input.info.serial, "")
            XCTAssertEqual(input.info.ids, InputDeviceIDs(bustype: 6, vendor: 0x0627, product: 1, version: 1))
            XCTAssertEqual(input.info.classes, .keyboard)
            XCTAssertEqual(input.info.capabilities.supportedLEDs, [.numLock, .capsLock, .scrollLock])
            XCTAssertTrue(input.info.capabilities.eventTypes.contains(Int(EV.rep)), "EV_REP: an empty answer of size 1")
            XCTAssertTrue(input.info.capabilities.eventTypes.contains(Int(EV.key)))
            XCTAssertFalse(input.info.capabilities.eventTypes.contains(Int(EV.rel)))
            XCTAssertEqual(input.info.configAnomalies, 0)
            // Name, serial, IDs, properties, nine event types; then select is left at 0.
            XCTAssertTrue(s.model.queries.contains { $0 == (InputConfigSelect.eventBits, UInt8(EV.led)) })
            XCTAssertEqual(s.device.config[0], 0)
            XCTAssertTrue(s.device.deviceStatus.contains(.driverOK))
            XCTAssertEqual(input.features.contains(.version1), version == 2)
            XCTAssertEqual(s.model.availableEventBuffers, 64, "v\(version): every event buffer posted")
            assertClean(s)
        }
    }

    func testMouseAndTablet() throws {
        let mouse = try InputSetup(kind: .mouse)
        let m = try mouse.makeDriver(frames: FrameLog())
        XCTAssertEqual(m.info.name, "QEMU Virtio Mouse")
        XCTAssertEqual(m.info.classes, .mouse)
        XCTAssertTrue(m.info.capabilities.relativeAxes.contains(RelativeAxis.wheel))
        XCTAssertFalse(m.setLEDs(.capsLock), "no LEDs on a mouse")
        XCTAssertEqual(mouse.model.pendingStatusBuffers, 0)

        let tablet = try InputSetup(kind: .tablet)
        let t = try tablet.makeDriver(frames: FrameLog())
        XCTAssertEqual(t.info.classes, .tablet)
        let x = try XCTUnwrap(t.info.capabilities.absoluteInfo(axis: AbsoluteAxis.x))
        XCTAssertEqual(x, AbsoluteAxisInfo(axis: 0, minimum: 0, maximum: 0x7fff))
        XCTAssertNotNil(t.info.capabilities.absoluteInfo(axis: AbsoluteAxis.y))
        XCTAssertEqual(x.scale(0, to: 1280), 0)
        XCTAssertEqual(x.scale(0x7fff, to: 1280), 1279)
        XCTAssertEqual(x.scale(0x4000, to: 1280), 640)
        XCTAssertEqual(x.scale(-5, to: 1280), 0, "clamped")
        XCTAssertEqual(x.scale(99999, to: 1280), 1279, "clamped")
        assertClean(mouse)
        assertClean(tablet)
    }

    func testAbsInfoFieldsAndOddRanges() throws {
        let s = try InputSetup(kind: .tablet) { model in
            model.answer(InputConfigSelect.eventBits, UInt8(EV.abs), bits: [0, 1, 0x2f])
            model.absInfo(axis: 0, minimum: -100, maximum: 100, fuzz: 1, flat: 2, resolution: 3)
            model.absInfo(axis: 1, minimum: 5, maximum: 5)
            model.answer(InputConfigSelect.absoluteInfo, 0x2f, [1, 2, 3])  // too short for min/max
            model.answer(InputConfigSelect.serial, string: "SN-42")
            model.answer(InputConfigSelect.propertyBits, 0, bits: [0])
        }
        let input = try s.makeDriver(frames: FrameLog())
        XCTAssertEqual(input.info.serial, "SN-42")
        XCTAssertTrue(input.info.capabilities.properties.contains(0))
        let x = try XCTUnwrap(input.info.capabilities.absoluteInfo(axis: 0))
        XCTAssertEqual(x, AbsoluteAxisInfo(axis: 0, minimum: -100, maximum: 100, fuzz: 1, flat: 2, resolution: 3))
        XCTAssertEqual(x.scale(0, to: 201), 100)
        let y = try XCTUnwrap(input.info.capabilities.absoluteInfo(axis: 1))
        XCTAssertEqual(y.scale(5, to: 800), 0, "an empty range does not divide by zero")
        XCTAssertEqual(AbsoluteAxisInfo(axis: 0, minimum: 10, maximum: -10).scale(0, to: 100), 0)
        XCTAssertEqual(AbsoluteAxisInfo(axis: 0, minimum: .min, maximum: .max).scale(.max, to: Int.max), Int(Int32.max))
        XCTAssertEqual(x.scale(3, to: 0), 0)
        XCTAssertNil(input.info.capabilities.absoluteInfo(axis: 0x2f))
        XCTAssertEqual(input.info.configAnomalies, 1)
        assertClean(s)
    }

    func testHostileConfigSizes() throws {
        // Every answer claims 200 bytes: nothing is read past the 128-byte union.
        let s = try InputSetup(kind: .keyboard) { $0.sizeOverride = 200 }
        let input = try s.makeDriver(frames: FrameLog())
        XCTAssertEqual(input.info.name, "")
        XCTAssertEqual(input.info.classes, [])
        XCTAssertGreaterThan(input.info.configAnomalies, 10)
        assertClean(s)  // no config read beyond the 136-byte config space
        // Size 128 exactly is fine; a 255-byte "name" without NUL, invalid UTF-8 and a huge bitmap.
        let t = try InputSetup(kind: .keyboard) { model in
            model.answer(InputConfigSelect.name, 0, [0x41, 0xFF, 0xFE] + Array(repeating: 0x42, count: 125))
            model.answer(InputConfigSelect.eventBits, UInt8(EV.key), Array(repeating: 0xFF, count: 128))
            model.answer(InputConfigSelect.deviceIDs, 0, [1, 2, 3])
        }
        let other = try t.makeDriver(frames: FrameLog())
        XCTAssertEqual(other.info.name.unicodeScalars.count, 128, "invalid bytes repaired, not trusted")
        XCTAssertTrue(other.info.name.hasPrefix("A\u{FFFD}"))
        XCTAssertTrue(other.info.capabilities.keys.contains(1023))
        XCTAssertNil(other.info.ids)
        XCTAssertEqual(other.info.configAnomalies, 1)
        assertClean(t)
    }

    func testRandomConfigNeverTraps() throws {
        var generator = SplitMix64(seed: 0x696e707574)
        for _ in 0..<40 {
            let s = try InputSetup(kind: .keyboard) { model in
                model.answers = [:]
                for _ in 0..<20 {
                    let select = [UInt8(1), 2, 3, 0x10, 0x11, 0x12][Int(generator.next() % 6)]
                    let subselect = UInt8(truncatingIfNeeded: generator.next() % 24)
                    let count = Int(generator.next() % 140)
                    model.answers[InputDeviceModel.key(select, subselect)] =
                        (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                }
                if generator.next() % 4 == 0 { model.sizeOverride = UInt8(truncatingIfNeeded: generator.next()) }
            }
            let input = try s.makeDriver(frames: FrameLog())
            _ = input.info.classes
            _ = input.setLEDs(.capsLock)
            assertClean(s)
        }
    }

    // MARK: - Events

    func testFramesAreDeliveredWhole() throws {
        for version: UInt32 in [1, 2] {
            for eventIndex in [true, false] {
                let context = "v\(version) EVENT_IDX \(eventIndex)"
                let s = try InputSetup(kind: .keyboard, version: version, eventIndex: eventIndex)
                let log = FrameLog()
                let input = try s.makeDriver(frames: log)
                XCTAssertEqual(input.eventQueue.usesEventIndex, eventIndex, context)
                // A key press: EV_MSC scan code, EV_KEY, SYN.
                s.model.send(InputEvent(type: 4, code: 4, value: 0x1e), interrupt: false)
                s.model.send(EV.keyEvent(30, 1), interrupt: false)
                XCTAssertTrue(s.model.send(EV.report()), context)
                s.deliverInterrupts()
                XCTAssertEqual(log.frames, [InputFrame(events: [InputEvent(type: 4, code: 4, value: 0x1e), EV.keyEvent(30, 1)])],
                               context)
                XCTAssertEqual(s.device.interruptStatus, 0, context + ": acknowledged")
                s.model.send(EV.keyEvent(30, 0)); s.model.send(EV.report())
                s.deliverInterrupts()
                XCTAssertEqual(log.frames.last, InputFrame(events: [EV.keyEvent(30, 0)]), context)
                XCTAssertEqual(input.statistics.framesDelivered, 2, context)
                XCTAssertEqual(s.model.availableEventBuffers, 64, context + ": every buffer back with the device")
                assertClean(s)
            }
        }
    }

    func testBurstIsDrainedCompletelyInOneInterrupt() throws {
        let s = try InputSetup(kind: .tablet)
        let log = FrameLog()
        let input = try s.makeDriver(frames: log)
        // 21 frames of 3 events = 63 events, the device writes them all before the driver runs.
        for index in 0..<21 {
            s.model.send(InputEvent(type: EV.abs, code: 0, value: Int32(index * 100)), interrupt: false)
            s.model.send(InputEvent(type: EV.abs, code: 1, value: Int32(index * 50)), interrupt: false)
            XCTAssertTrue(s.model.send(EV.report(), interrupt: false))
        }
        XCTAssertEqual(s.model.availableEventBuffers, 1)
        s.device.raiseInterrupt(.usedBuffer)
        s.deliverInterrupts()
        XCTAssertEqual(log.frames.count, 21)
        XCTAssertFalse(input.eventQueue.hasUsed, "nothing left in the used ring")
        XCTAssertEqual(input.statistics.largestDrain, 63)
        XCTAssertEqual(log.frames[20].absolute(AbsoluteAxis.x), 2000)
        XCTAssertEqual(log.frames[20].absolute(AbsoluteAxis.y), 1000)
        XCTAssertEqual(s.model.availableEventBuffers, 64, "all refilled")
        // A second burst fits again: nothing was lost to a half-drained queue.
        for index in 0..<32 {
            s.model.send(EV.keyEvent(0x110, Int32(index & 1)), interrupt: false)
            XCTAssertTrue(s.model.send(EV.report(), interrupt: false))
        }
        s.device.raiseInterrupt(.usedBuffer)
        s.deliverInterrupts()
        XCTAssertEqual(log.frames.count, 53)
        XCTAssertEqual(s.model.framesDroppedByDevice, 0)
        assertClean(s)
    }

    func testLongStreamWithInterruptsAsTheDeviceWants() throws {
        // A device that completes frames continuously; the driver keeps up, nothing dropped.
        for eventIndex in [true, false] {
            let s = try InputSetup(kind: .mouse, version: 1, eventIndex: eventIndex)
            let log = FrameLog()
            let input = try s.makeDriver(frames: log)
            var expectedX = 0
            for index in 0..<2000 {
                let dx = Int32(index % 7) - 3
                expectedX += Int(dx)
                s.model.send(InputEvent(type: EV.rel, code: 0, value: dx))
                s.model.send(InputEvent(type: EV.rel, code: 1, value: 1))
                XCTAssertTrue(s.model.send(EV.report()))
                if index % 5 == 4 { s.deliverInterrupts() }
            }
            s.deliverInterrupts()
            XCTAssertEqual(log.frames.count, 2000, "EVENT_IDX \(eventIndex)")
            XCTAssertEqual(log.frames.reduce(0) { $0 + $1.relative(RelativeAxis.x) }, expectedX)
            XCTAssertEqual(log.frames.reduce(0) { $0 + $1.relative(RelativeAxis.y) }, 2000)
            XCTAssertEqual(input.statistics.events, 6000)
            XCTAssertNil(input.brokenReason)
            if eventIndex {
                XCTAssertLessThan(input.statistics.interrupts, 2000, "EVENT_IDX: not one interrupt per frame")
            }
            assertClean(s)
        }
    }

    func testNegativeRelativeValues() throws {
        let s = try InputSetup(kind: .mouse)
        let log = FrameLog()
        let input = try s.makeDriver(frames: log)
        s.model.send(InputEvent(type: EV.rel, code: RelativeAxis.wheel, value: -1))
        s.model.send(InputEvent(type: EV.rel, code: 0, value: -200))
        s.model.send(EV.keyEvent(ButtonCode.left, 1))
        s.model.send(EV.report())
        s.deliverInterrupts()
        XCTAssertEqual(log.frames.first?.relative(RelativeAxis.wheel), -1)
        XCTAssertEqual(log.frames.first?.relative(RelativeAxis.x), -200)
        XCTAssertEqual(log.frames.first?.keyEvents, [EV.keyEvent(ButtonCode.left, 1)])
        XCTAssertEqual(input.statistics.framesDelivered, 1)
    }

    func testDeviceDropsFramesWhenTheDriverHasNoBuffers() throws {
        // QEMU drops a whole frame if the queue lacks buffers for it: never half a frame.
        let s = try InputSetup(kind: .keyboard)
        let log = FrameLog()
        let input = try s.makeDriver(eventBuffers: 4, frames: log)
        XCTAssertEqual(s.model.availableEventBuffers, 4)
        s.model.send(EV.keyEvent(30, 1), interrupt: false); s.model.send(EV.report(), interrupt: false)
        s.model.send(EV.keyEvent(31, 1), interrupt: false); s.model.send(EV.keyEvent(32, 1), interrupt: false)
        XCTAssertFalse(s.model.send(EV.report(), interrupt: false), "3 events, 2 buffers left")
        s.device.raiseInterrupt(.usedBuffer)
        s.deliverInterrupts()
        XCTAssertEqual(log.frames, [InputFrame(events: [EV.keyEvent(30, 1)])])
        XCTAssertEqual(s.model.availableEventBuffers, 4)
        XCTAssertEqual(input.statistics.framesDropped, 0, "the driver saw no partial frame")
    }

    func testSynDroppedAndOverlongFrames() throws {
        let s = try InputSetup(kind: .keyboard)
        let log = FrameLog()
        let input = try s.makeDriver(maximumFrameEvents: 8, frames: log)
        // SYN_DROPPED: discard up to and including the next SYN_REPORT.
        s.model.write([EV.keyEvent(30, 1), EV.dropped(), EV.keyEvent(31, 1), EV.report(), EV.keyEvent(32, 1), EV.report()])
        s.deliverInterrupts()
        XCTAssertEqual(log.frames, [InputFrame(events: [EV.keyEvent(32, 1)])])
        XCTAssertEqual(input.statistics.framesDropped, 1)
        // More than maximumFrameEvents without SYN_REPORT: dropped, the next frame is fine.
        s.model.write((0..<20).map { EV.keyEvent(30, Int32($0 & 1)) } + [EV.report(), EV.keyEvent(33, 1), EV.report()])
        s.deliverInterrupts()
        XCTAssertEqual(log.frames.last, InputFrame(events: [EV.keyEvent(33, 1)]))
        XCTAssertEqual(log.frames.count, 2)
        XCTAssertEqual(input.statistics.framesDropped, 2)
        // Empty frames and SYN_CONFIG deliver nothing; SYN_MT_REPORT stays inside its frame.
        s.model.write([EV.report(), InputEvent(type: 0, code: 1, value: 0), EV.report(),
                       InputEvent(type: EV.abs, code: 0x35, value: 1), InputEvent(type: 0, code: 2, value: 0), EV.report()])
        s.deliverInterrupts()
        XCTAssertEqual(log.frames.count, 3)
        XCTAssertEqual(log.frames.last?.events.count, 2)
        assertClean(s)
    }

    func testUsedBuffersWithWrongLength() throws {
        let s = try InputSetup(kind: .keyboard)
        let log = FrameLog()
        let input = try s.makeDriver(frames: log)
        s.model.completeRaw(length: 4)
        s.model.completeRaw(length: 0)
        s.model.write([EV.keyEvent(30, 1), EV.report()])
        s.device.raiseInterrupt(.usedBuffer)
        s.deliverInterrupts()
        XCTAssertEqual(input.statistics.malformedBuffers, 2)
        XCTAssertEqual(log.frames, [InputFrame(events: [EV.keyEvent(30, 1)])])
        XCTAssertEqual(s.model.availableEventBuffers, 64, "short buffers are reposted too")
        XCTAssertNil(input.brokenReason)
        // Longer than the buffer: the queue stops trusting the device; no trap, a reason, and restart recovers.
        s.model.completeRaw(length: 9)
        s.device.raiseInterrupt(.usedBuffer)
        s.deliverInterrupts()
        XCTAssertNotNil(input.brokenReason)
        try input.restart()
        XCTAssertNil(input.brokenReason)
        XCTAssertEqual(input.statistics.restarts, 1)
        s.model.send(EV.keyEvent(31, 1)); s.model.send(EV.report())
        s.deliverInterrupts()
        XCTAssertEqual(log.frames.last, InputFrame(events: [EV.keyEvent(31, 1)]))
        assertClean(s)
    }

    func testHostileUsedRing() throws {
        // (A repeated id is not detectable here: the driver reposts a buffer the moment
        // it is used, so its descriptor is legitimately in flight again, as in Linux.)
        for hostility in ModelHostility.allCases where !hostility.needsRequest {
            let s = try InputSetup(kind: .keyboard)
            let log = FrameLog()
            // Fewer buffers than descriptors, so a free descriptor exists to be named.
            let input = try s.makeDriver(eventBuffers: 32, frames: log)
            s.device.fetch(0)
            s.device.stalled = false
            s.device.hostility = hostility
            s.device.complete(0)
            s.device.stalled = true
            s.deliverInterrupts()
            input.poll()
            _ = input.setLEDs(.numLock)
            XCTAssertNotNil(input.brokenReason, "\(hostility)")
        }
    }

    func testPollingWithoutInterrupt() throws {
        let s = try InputSetup(kind: .keyboard)
        let log = FrameLog()
        let input = try s.makeDriver(frames: log)
        s.model.write([EV.keyEvent(30, 1), EV.report()], interrupt: false)
        input.poll()
        XCTAssertEqual(log.frames.count, 1)
    }

    // MARK: - LEDs

    func testLEDsGoToTheStatusQueueWithoutSyn() throws {
        for version: UInt32 in [1, 2] {
            let s = try InputSetup(kind: .keyboard, version: version)
            let input = try s.makeDriver(frames: FrameLog())
            XCTAssertTrue(input.setLEDs(.capsLock))
            XCTAssertGreaterThan(s.device.queues[1].notifications, 0, "the device was kicked")
            // The first update sends every LED the keyboard has, and only EV_LED
            // events, as Linux does: QEMU's status handler knows no other type
            // and prints "unknown type 0" on the user's terminal for an EV_SYN.
            XCTAssertEqual(s.model.serviceStatus(), [InputEvent(type: EV.led, code: 0, value: 0),
                                                     InputEvent(type: EV.led, code: 1, value: 1),
                                                     InputEvent(type: EV.led, code: 2, value: 0)])
            s.deliverInterrupts()
            XCTAssertEqual(input.statistics.statusBuffersReclaimed, 3, "v\(version)")
            // Then only what changed.
            input.setLEDs([.capsLock, .numLock])
            XCTAssertEqual(s.model.serviceStatus(), [InputEvent(type: EV.led, code: 0, value: 1)])
            input.setLEDs([.capsLock, .numLock])
            XCTAssertEqual(s.model.serviceStatus(), [], "no change, nothing sent")
            input.setLEDs(InputLEDs(rawValue: 0xFFFF))
            XCTAssertEqual(s.model.serviceStatus(), [InputEvent(type: EV.led, code: 2, value: 1)],
                           "LEDs the keyboard lacks are ignored")
            XCTAssertEqual(input.leds, [.numLock, .capsLock, .scrollLock])
            assertClean(s)
        }
    }

    func testLEDUpdatesWaitForStatusBuffers() throws {
        let s = try InputSetup(kind: .keyboard)
        let input = try s.makeDriver(statusBuffers: 5, frames: FrameLog())
        // The device does not service the status queue: 5 buffers, one per LED event.
        input.setLEDs(.capsLock)                 // 3 buffers
        input.setLEDs([.capsLock, .numLock])     // 1 buffer
        input.setLEDs([.numLock])                // 1 buffer
        input.setLEDs([])                        // no room: waits
        input.setLEDs([.scrollLock])             // no room: replaces the waiting state
        XCTAssertTrue(input.ledUpdatePending)
        XCTAssertEqual(s.model.pendingStatusBuffers, 5)
        // The device consumes them; the interrupt reclaims and sends the newest state.
        s.model.serviceStatus()
        s.deliverInterrupts()
        XCTAssertFalse(input.ledUpdatePending)
        XCTAssertEqual(s.model.serviceStatus(), [InputEvent(type: EV.led, code: 0, value: 0),
                                                 InputEvent(type: EV.led, code: 2, value: 1)])
        // QEMU reports the bytes it read as the used length; a device that claims
        // nothing is fine as well.
        s.model.statusUsedLength = 0
        s.deliverInterrupts()
        input.setLEDs([])
        XCTAssertEqual(s.model.serviceStatus().count, 1)
        s.deliverInterrupts()
        XCTAssertNil(input.brokenReason)
        assertClean(s)
    }

    func testLEDsOnEveryKeyboard() throws {
        // Two keyboards and a tablet, each its own driver; LEDs go to each keyboard.
        let platform = TestPlatform()
        let first = try InputSetup(platform: platform, slot: 31, kind: .keyboard)
        let second = try InputSetup(platform: platform, slot: 30, kind: .keyboard, version: 1)
        let tablet = try InputSetup(platform: platform, slot: 29, kind: .tablet)
        let logs = [FrameLog(), FrameLog(), FrameLog()]
        let drivers = [try first.makeDriver(frames: logs[0]), try second.makeDriver(frames: logs[1]),
                       try tablet.makeDriver(frames: logs[2])]
        let keyboards = drivers.filter { $0.info.classes.contains(.keyboard) }
        XCTAssertEqual(keyboards.count, 2)
        for keyboard in keyboards { keyboard.setLEDs(.numLock) }
        XCTAssertEqual(first.model.serviceStatus().count, 3)
        XCTAssertEqual(second.model.serviceStatus().count, 3)
        // Events stay with their device.
        second.model.send(EV.keyEvent(30, 1)); second.model.send(EV.report())
        tablet.model.send(InputEvent(type: EV.abs, code: 0, value: 7)); tablet.model.send(EV.report())
        for setup in [first, second, tablet] { setup.deliverInterrupts() }
        XCTAssertEqual(logs.map(\.frames.count), [0, 1, 1])
        XCTAssertEqual(logs[2].frames.first?.absolute(AbsoluteAxis.x), 7)
        for setup in [first, second, tablet] { assertClean(setup) }
    }

    func testFrameHandlerMayTouchTheDriver() throws {
        // The handler (the console) sets LEDs and even shuts the device down mid-drain.
        let s = try InputSetup(kind: .keyboard)
        let log = FrameLog()
        let input = try s.makeDriver(frames: log)
        input.frameHandler = { [weak input] frame in
            log.frames.append(frame)
            input?.setLEDs(.capsLock)
            if log.frames.count == 2 { input?.shutdown() }
        }
        s.model.write([EV.keyEvent(58, 1), EV.report(), EV.keyEvent(58, 0), EV.report(), EV.keyEvent(30, 1), EV.report()])
        s.deliverInterrupts()
        XCTAssertEqual(log.frames.count, 2)
        XCTAssertTrue(input.stopped)
        input.poll()
        input.handleInterrupt()
        XCTAssertTrue(input.setLEDs(.numLock))
        XCTAssertEqual(s.platform.memory.live.count, 0, "every DMA allocation returned")
    }

    // MARK: - Lifecycle

    func testNeedsResetRestarts() throws {
        let s = try InputSetup(kind: .keyboard)
        let log = FrameLog()
        let input = try s.makeDriver(frames: log)
        input.setLEDs(.capsLock)
        s.model.serviceStatus()
        s.model.write([EV.keyEvent(30, 1)], interrupt: false)  // a partial frame, then the device fails
        s.device.signalNeedsReset()
        s.deliverInterrupts()
        XCTAssertEqual(input.statistics.restarts, 1)
        XCTAssertTrue(s.device.deviceStatus.contains(.driverOK))
        XCTAssertEqual(s.model.availableEventBuffers, 64)
        // The LEDs are sent again after the reset.
        XCTAssertEqual(s.model.serviceStatus().count, 3)
        s.model.send(EV.keyEvent(31, 1)); s.model.send(EV.report())
        s.deliverInterrupts()
        XCTAssertEqual(log.frames, [InputFrame(events: [EV.keyEvent(31, 1)])], "the partial frame was dropped")
        assertClean(s)
    }

    func testInitFailures() throws {
        let small = try InputSetup(kind: .keyboard, queueSizes: [64])
        XCTAssertThrowsError(try small.makeDriver(frames: FrameLog())) { error in
            XCTAssertEqual(error as? VirtioError, .queueUnavailable(index: 1))
        }
        XCTAssertTrue(small.device.deviceStatus.contains(.failed))
        XCTAssertEqual(small.platform.memory.live.count, 0)
        for allowed in 0..<4 {
            let s = try InputSetup(kind: .keyboard)
            s.platform.dmaAllocationsLeft = allowed
            XCTAssertThrowsError(try s.makeDriver(frames: FrameLog()), "\(allowed)") { error in
                XCTAssertEqual(error as? VirtioError, .outOfMemory)
            }
            XCTAssertEqual(s.platform.memory.live.count, 0, "\(allowed): nothing leaked")
        }
        // Small queues: fewer buffers, still works.
        let tiny = try InputSetup(kind: .keyboard, queueSizes: [4, 4])
        let log = FrameLog()
        let input = try tiny.makeDriver(frames: log)
        XCTAssertEqual(tiny.model.availableEventBuffers, 4)
        input.setLEDs(.capsLock)
        XCTAssertEqual(tiny.model.serviceStatus(), [], "2 status chains cannot hold 3 LEDs")
        XCTAssertTrue(input.ledUpdatePending)
        tiny.model.send(EV.keyEvent(30, 1)); tiny.model.send(EV.report())
        tiny.deliverInterrupts()
        XCTAssertEqual(log.frames.count, 1)
        assertClean(tiny)
    }

    func testShutdownReturnsMemory() throws {
        let s = try InputSetup(kind: .keyboard)
        let input = try s.makeDriver(frames: FrameLog())
        input.setLEDs(.capsLock)
        input.shutdown()
        input.shutdown()
        XCTAssertEqual(s.platform.memory.live.count, 0)
        XCTAssertEqual(s.platform.memory.doubleFrees, 0)
        XCTAssertEqual(s.device.deviceStatus, [])
    }
}
