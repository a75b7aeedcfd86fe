import XCTest
import Platform
import VirtIO
import Drivers

/// virtio-net against the model device: negotiation, receive, transmit.
final class VirtioNetTests: XCTestCase {
    func testModernDeviceNegotiatesWhatLumenUsesAndNoSegmentationOffload() throws {
        var options = ModelNetOptions()
        options.mergeable = true
        options.controlMACAddress = true
        options.extraFeatures = [ModelNetBackend.featureGuestTSO4, ModelNetBackend.featureHostTSO4]
        let f = try NetFixture(options)
        for feature: Features in [.netChecksum, .netGuestChecksum, .netMAC, .netMergeableReceiveBuffers, .netStatus,
                                  .netControlQueue, .netControlReceiveMode, .netControlMACAddress,
                                  .ringIndirectDescriptors, .ringEventIndex, .version1] {
            XCTAssertTrue(f.device.negotiated(feature), "missing \(feature.names(deviceType: DeviceType.network))")
        }
        XCTAssertFalse(f.device.negotiated(ModelNetBackend.featureGuestTSO4))
        XCTAssertFalse(f.device.negotiated(ModelNetBackend.featureHostTSO4))
        XCTAssertTrue(f.device.deviceStatus.contains(.driverOK))
        XCTAssertEqual(f.net.headerLength, 12)
        XCTAssertEqual(f.net.macAddress, [0x52, 0x54, 0x00, 0x12, 0x34, 0x56])
        XCTAssertTrue(f.net.linkUp)
        XCTAssertTrue(f.net.offersChecksumOffload)
        XCTAssertTrue(f.net.hasControlQueue)
        XCTAssertEqual(f.backend.postedReceiveBuffers, 256, "the whole receive pool is posted")
        f.assertNoViolations()
    }

    func testLegacyWithoutMergeableUsesTenByteHeaderInItsOwnDescriptor() throws {
        var options = ModelNetOptions()
        options.version = 1
        options.indirect = false
        let f = try NetFixture(options)
        XCTAssertEqual(f.net.headerLength, 10)
        XCTAssertFalse(f.device.negotiated(.version1))
        XCTAssertTrue(f.backend.inject(NetFixture.frame(60)))
        f.net.handleInterrupt()
        XCTAssertEqual(f.received.count, 1)
        XCTAssertTrue(f.received.first?.frame == NetFixture.frame(60), "received frame differs")
        try f.net.send(frame: NetFixture.frame(100, seed: 3))
        f.settle()
        XCTAssertEqual(f.backend.transmitted.count, 1)
        XCTAssertEqual(f.backend.transmitted.first?.header.count, 10)
        XCTAssertEqual(f.backend.transmitted.first?.descriptorCount, 2)
        XCTAssertTrue(f.backend.transmitted.first?.frame == NetFixture.frame(100, seed: 3), "sent frame differs")
        f.assertNoViolations()
    }

    func testLegacyWithMergeableAndAnyLayoutUsesTwelveByteHeaderInOneDescriptor() throws {
        var options = ModelNetOptions()
        options.version = 1
        options.mergeable = true
        options.anyLayout = true
        let f = try NetFixture(options)
        XCTAssertEqual(f.net.headerLength, 12)
        XCTAssertTrue(f.backend.inject(NetFixture.frame(1514)))
        f.net.handleInterrupt()
        XCTAssertTrue(f.received.first?.frame == NetFixture.frame(1514), "received frame differs")
        try f.net.send(frame: NetFixture.frame(1514, seed: 9))
        f.settle()
        XCTAssertEqual(f.backend.transmitted.first?.header.count, 12)
        XCTAssertEqual(f.backend.transmitted.first?.descriptorCount, 1)
        XCTAssertTrue(f.backend.transmitted.first?.frame == NetFixture.frame(1514, seed: 9), "sent frame differs")
        f.assertNoViolations()
    }

    func testReceivesMoreFramesThanThePoolHoldsBecauseBuffersAreReposted() throws {
        for version: UInt32 in [1, 2] {
            var options = ModelNetOptions()
            options.version = version
            options.queueSize = 16
            let f = try NetFixture(options, receiveBuffers: 16)
            var expected: [[UInt8]] = []
            for round in 0..<10 {
                for i in 0..<12 {
                    let frame = NetFixture.frame(60 + (round * 12 + i) % 1400, seed: round * 12 + i)
                    XCTAssertTrue(f.backend.inject(frame), "round \(round) frame \(i) found no buffer")
                    expected.append(frame)
                }
                f.settle()
            }
            XCTAssertEqual(f.received.count, expected.count)
            XCTAssertTrue(f.received.map(\.frame) == expected, "frames differ (version \(version))")
            XCTAssertEqual(f.net.statistics.receive.packets, UInt64(expected.count))
            XCTAssertEqual(f.net.statistics.receive.bytes, UInt64(expected.reduce(0) { $0 + $1.count }))
            XCTAssertEqual(f.net.statistics.receive.errors, 0)
            XCTAssertEqual(f.backend.postedReceiveBuffers, 16)
            f.assertNoViolations()
        }
    }

    func testMergeableReceiveJoinsAFrameSpreadOverSeveralBuffers() throws {
        for version: UInt32 in [1, 2] {
            var options = ModelNetOptions()
            options.version = version
            options.mergeable = true
            options.anyLayout = true
            let f = try NetFixture(options) { $0.mergeChunk = 500 }
            let big = NetFixture.frame(1514, seed: 5)
            XCTAssertTrue(f.backend.inject(big))
            XCTAssertTrue(f.backend.inject(NetFixture.frame(64, seed: 6)))
            f.net.handleInterrupt()
            XCTAssertEqual(f.received.count, 2)
            XCTAssertTrue(f.received.first?.frame == big, "joined frame differs")
            XCTAssertTrue(f.received.last?.frame == NetFixture.frame(64, seed: 6), "frame after the joined one differs")
            XCTAssertEqual(f.backend.postedReceiveBuffers, 256, "every consumed buffer is posted again")
            f.assertNoViolations()
        }
    }

    func testReceiveChecksumFlagFollowsDataValid() throws {
        let f = try NetFixture()
        f.backend.inject(NetFixture.frame(80), flags: VirtioNetHeader.flagDataValid)
        f.backend.inject(NetFixture.frame(80))
        f.net.handleInterrupt()
        XCTAssertEqual(f.received.map(\.checksumValid), [true, false])

        var options = ModelNetOptions()
        options.guestChecksum = false
        let plain = try NetFixture(options)
        XCTAssertFalse(plain.net.checksumsVerifiedOnReceive)
        plain.backend.inject(NetFixture.frame(80), flags: VirtioNetHeader.flagDataValid)
        plain.net.handleInterrupt()
        XCTAssertEqual(plain.received.map(\.checksumValid), [false], "DATA_VALID is meaningless without GUEST_CSUM")
    }

    /// NEEDS_CSUM on receive: a local sender left the checksum unfinished; the
    /// frame is passed on as it came, marked valid, without a pass over it.
    func testReceivedPartialChecksumIsTrustedAsItCame() throws {
        let f = try NetFixture()
        let udp = NetFixture.udpFrame(payload: Array("hello, lumen".utf8))
        f.backend.inject(udp.frame, flags: VirtioNetHeader.flagNeedsChecksum, checksumStart: UInt16(udp.start),
                         checksumOffset: UInt16(udp.offset))
        f.net.handleInterrupt()
        XCTAssertEqual(f.received.count, 1)
        XCTAssertEqual(f.received.first?.checksumValid, true)
        XCTAssertEqual(f.received.first?.frame, udp.frame, "the frame is delivered as the device wrote it")
        XCTAssertEqual(f.net.statistics.softwareChecksums, 0)
    }

    func testFramesWithoutAReceiverAreCountedAsDrops() throws {
        let f = try NetFixture()
        f.net.receive = nil
        f.backend.inject(NetFixture.frame(60))
        f.net.handleInterrupt()
        XCTAssertEqual(f.net.statistics.receive.drops, 1)
        XCTAssertEqual(f.backend.postedReceiveBuffers, 256, "the buffer still goes back to the device")
    }

    func testDeviceDropsWhenThePoolIsExhaustedAndRecoversAfterRefill() throws {
        var options = ModelNetOptions()
        options.queueSize = 4
        let f = try NetFixture(options, receiveBuffers: 4)
        for i in 0..<4 { XCTAssertTrue(f.backend.inject(NetFixture.frame(60, seed: i))) }
        XCTAssertFalse(f.backend.inject(NetFixture.frame(60, seed: 4)), "no buffer left")
        XCTAssertEqual(f.backend.droppedForNoBuffer, 1)
        f.settle()
        XCTAssertEqual(f.received.count, 4)
        XCTAssertTrue(f.backend.inject(NetFixture.frame(60, seed: 5)), "the pool was refilled from the interrupt path")
        f.settle()
        XCTAssertEqual(f.received.count, 5)
        f.assertNoViolations()
    }

    func testPollingWithoutAnInterruptDeliversFrames() throws {
        let f = try NetFixture(driverInterrupt: nil)
        f.backend.inject(NetFixture.frame(70))
        f.net.poll()
        XCTAssertEqual(f.received.count, 1)
        try f.net.send(frame: NetFixture.frame(70))
        f.platform.runDevices()
        f.net.poll()
        XCTAssertEqual(f.net.transmitBuffersFree, f.net.transmitBufferCount)
    }

    func testAFloodIsHandledInBoundedPassesAndReportedAsPendingWork() throws {
        var options = ModelNetOptions()
        options.queueSize = 8
        let f = try NetFixture(options, receiveBuffers: 8)
        var injected = 0
        // Every frame delivered makes the device deliver another: an endless flood.
        f.net.receive = { [unowned f] bytes, _ in
            f.received.append((Array(bytes), false))
            if f.backend.inject(NetFixture.frame(60, seed: injected)) { injected += 1 }
        }
        f.backend.inject(NetFixture.frame(60))
        f.net.handleInterrupt()
        XCTAssertGreaterThan(f.received.count, 1)
        XCTAssertLessThanOrEqual(f.received.count, 4 * 8, "one call does bounded work")
        XCTAssertTrue(f.net.hasPendingWork)
        let before = f.received.count
        f.net.poll()
        XCTAssertGreaterThan(f.received.count, before)
    }

    // MARK: - Transmit

    func testSendCopiesTheFrameBehindAZeroHeader() throws {
        let f = try NetFixture()
        let frames = (0..<5).map { NetFixture.frame(60 + $0 * 300, seed: $0) }
        for frame in frames { try f.net.send(frame: frame) }
        f.settle()
        XCTAssertTrue(f.backend.transmitted.map(\.frame) == frames, "sent frames differ")
        XCTAssertTrue(f.backend.transmitted.allSatisfy { $0.header == [UInt8](repeating: 0, count: 12) }, "header not zero")
        XCTAssertEqual(f.net.statistics.transmit.packets, 5)
        XCTAssertEqual(f.net.statistics.transmit.bytes, UInt64(frames.reduce(0) { $0 + $1.count }))
        XCTAssertEqual(f.net.transmitBuffersFree, f.net.transmitBufferCount, "completed buffers reclaimed on interrupt")
        f.assertNoViolations()
    }

    func testChecksumOffloadSetsNeedsChecksumWithStartAndOffset() throws {
        let f = try NetFixture()
        let udp = NetFixture.udpFrame(payload: [1, 2, 3, 4, 5])
        try f.net.send(frame: udp.frame, checksumOffload: (start: udp.start, offset: udp.offset))
        f.settle()
        let sent = try XCTUnwrap(f.backend.transmitted.first)
        XCTAssertEqual(sent.flags, VirtioNetHeader.flagNeedsChecksum)
        XCTAssertEqual(sent.checksumStart, 34)
        XCTAssertEqual(sent.checksumOffset, 6)
        XCTAssertTrue(sent.frame == udp.frame, "the frame is left for the device to finish")
        f.assertNoViolations()
    }

    func testWithoutDeviceChecksumTheDriverComputesIt() throws {
        var options = ModelNetOptions()
        options.checksum = false
        let f = try NetFixture(options)
        XCTAssertFalse(f.net.offersChecksumOffload)
        let udp = NetFixture.udpFrame(payload: Array("odd-length payload".utf8) + [7])
        try f.net.send(frame: udp.frame, checksumOffload: (start: udp.start, offset: udp.offset))
        f.settle()
        let sent = try XCTUnwrap(f.backend.transmitted.first)
        XCTAssertEqual(sent.flags, 0)
        XCTAssertEqual(NetFixture.udpChecksumSum(sent.frame), 0xffff, "checksum wrong")
        XCTAssertEqual(f.net.statistics.softwareChecksums, 1)
        f.assertNoViolations()
    }

    func testSendRejectsBadFramesAndOffloadsWithoutTouchingTheDevice() throws {
        let f = try NetFixture()
        XCTAssertEqual(netError { try f.net.send(frame: []) }, .frameSize(0))
        XCTAssertEqual(netError { try f.net.send(frame: NetFixture.frame(1515)) }, .frameSize(1515))
        XCTAssertEqual(netError { try f.net.send(frame: NetFixture.frame(60), checksumOffload: (start: 59, offset: 0)) },
                       .invalidChecksumOffload(start: 59, offset: 0, frameLength: 60))
        XCTAssertEqual(netError { try f.net.send(frame: NetFixture.frame(60), checksumOffload: (start: -1, offset: 0)) },
                       .invalidChecksumOffload(start: -1, offset: 0, frameLength: 60))
        XCTAssertEqual(netError { try f.net.send(frame: NetFixture.frame(60), checksumOffload: (start: 10, offset: Int.max)) },
                       .invalidChecksumOffload(start: 10, offset: Int.max, frameLength: 60))
        XCTAssertEqual(f.net.statistics.transmit.errors, 5)
        f.settle()
        XCTAssertEqual(f.backend.transmitted.count, 0)
    }

    func testFullTransmitRingThrowsThenRecoversWhenTheDeviceCatchesUp() throws {
        let f = try NetFixture(transmitBuffers: 4)
        f.device.stalled = true
        for i in 0..<4 { try f.net.send(frame: NetFixture.frame(60, seed: i)) }
        XCTAssertEqual(netError { try f.net.send(frame: NetFixture.frame(60)) }, .transmitQueueFull)
        XCTAssertEqual(f.net.statistics.transmit.drops, 1)
        f.platform.runDevices()  // the device takes the frames but completes nothing
        f.device.stalled = false
        f.platform.runDevices()  // now it completes them; no interrupt handler runs here
        try f.net.send(frame: NetFixture.frame(60, seed: 9))  // reclaims when out of buffers
        f.settle()
        XCTAssertEqual(f.backend.transmitted.count, 5)
        f.assertNoViolations()
    }

    func testShutdownReturnsTheMemoryAndLaterCallsFail() throws {
        let f = try NetFixture()
        let before = f.platform.memory.liveBytes
        XCTAssertGreaterThan(before, 0)
        f.net.shutdown()
        XCTAssertEqual(f.platform.memory.liveBytes, 0)
        XCTAssertEqual(netError { try f.net.send(frame: NetFixture.frame(60)) }, .stopped)
        XCTAssertEqual(netError { try f.net.setPromiscuous(true) }, .stopped)
    }
}
