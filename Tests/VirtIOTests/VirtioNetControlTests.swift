import XCTest
import Platform
import VirtIO
import Drivers

/// virtio-net's control queue, MAC address choice and link status.
final class VirtioNetControlTests: XCTestCase {
    func testPromiscuousAndAllMulticastCommandsAreSentAndAcked() throws {
        for version: UInt32 in [1, 2] {
            var options = ModelNetOptions()
            options.version = version
            let f = try NetFixture(options)
            try f.net.setPromiscuous(true)
            try f.net.setPromiscuous(false)
            try f.net.setAllMulticast(true)
            XCTAssertEqual(f.backend.controlCommands, [
                ModelNetControlCommand(commandClass: 0, command: 0, data: [1], dataSegments: 1, ack: 0),
                ModelNetControlCommand(commandClass: 0, command: 0, data: [0], dataSegments: 1, ack: 0),
                ModelNetControlCommand(commandClass: 0, command: 1, data: [1], dataSegments: 1, ack: 0),
            ])
            f.assertNoViolations()
        }
    }

    func testMACFilterTableIsTwoCountedTables() throws {
        let f = try NetFixture()
        let unicast: [[UInt8]] = [[0x02, 1, 2, 3, 4, 5]]
        let multicast: [[UInt8]] = [[0x01, 0, 0x5e, 0, 0, 1], [0x33, 0x33, 0, 0, 0, 1]]
        try f.net.setMACFilter(unicast: unicast, multicast: multicast)
        let command = try XCTUnwrap(f.backend.controlCommands.first)
        XCTAssertEqual(command.commandClass, 1)
        XCTAssertEqual(command.command, 0)
        XCTAssertEqual(command.dataSegments, 2, "each table in its own descriptor")
        XCTAssertEqual(command.data, [1, 0, 0, 0] + unicast[0] + [2, 0, 0, 0] + multicast[0] + multicast[1])
        XCTAssertEqual(netError { try f.net.setMACFilter(unicast: [[1, 2, 3]], multicast: []) }, .invalidAddress)
        let tooMany = [[UInt8]](repeating: [0x01, 0, 0x5e, 0, 0, 1], count: 65)
        XCTAssertEqual(netError { try f.net.setMACFilter(unicast: [], multicast: tooMany) }, .tooManyAddresses(65))
        XCTAssertEqual(f.backend.controlCommands.count, 1)
        f.assertNoViolations()
    }

    func testANegativeAckIsReported() throws {
        let f = try NetFixture { $0.controlAck = 1 }
        XCTAssertEqual(netError { try f.net.setPromiscuous(true) }, .controlRejected("promiscuous mode", ack: 1))
    }

    func testAnUnansweredCommandTimesOutAndTheQueueRecoversWhenTheDeviceAnswers() throws {
        let f = try NetFixture()
        f.device.heldQueues.insert(2)  // the device takes control commands but never answers
        f.net.controlTimeoutMilliseconds = 50
        XCTAssertEqual(netError { try f.net.setAllMulticast(true) }, .controlTimeout("all-multicast mode"))
        XCTAssertEqual(netError { try f.net.setAllMulticast(true) }, .controlBusy, "the device still owns the buffers")
        f.device.heldQueues.remove(2)
        f.platform.runDevices()
        try f.net.setAllMulticast(false)
        XCTAssertEqual(f.backend.controlCommands.map(\.data), [[1], [0]])
        f.assertNoViolations()
    }

    func testCommandsWorkByPollingWithoutAnInterrupt() throws {
        let f = try NetFixture(driverInterrupt: nil)
        f.platform.devicesRunOnClockRead = true
        f.platform.nanosecondsPerClockRead = 100_000
        try f.net.setPromiscuous(true)
        XCTAssertEqual(f.backend.controlCommands.count, 1)
    }

    func testWithoutAControlQueueCommandsAreUnsupported() throws {
        var options = ModelNetOptions()
        options.controlQueue = false
        options.controlReceive = false
        let f = try NetFixture(options)
        XCTAssertFalse(f.net.hasControlQueue)
        XCTAssertEqual(netError { try f.net.setPromiscuous(true) }, .controlUnsupported("promiscuous mode"))
        XCTAssertEqual(netError { try f.net.setMACAddress([2, 0, 0, 0, 0, 1]) }, .controlUnsupported("setting the MAC address"))
        f.assertNoViolations()
    }

    func testWithoutADeviceMACTheFallbackIsMadeLocallyAdministeredAndToldToTheDevice() throws {
        var options = ModelNetOptions()
        options.mac = nil
        options.controlMACAddress = true
        let f = try NetFixture(options, fallbackMAC: [0x01, 0x11, 0x22, 0x33, 0x44, 0x55])
        let expected: [UInt8] = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55]
        XCTAssertEqual(f.net.macAddress, expected, "unicast, locally administered")
        XCTAssertEqual(f.backend.controlCommands.first,
                       ModelNetControlCommand(commandClass: 1, command: 1, data: expected, dataSegments: 1, ack: 0))
        try f.net.setMACAddress([0x02, 9, 9, 9, 9, 9])
        XCTAssertEqual(f.net.macAddress, [0x02, 9, 9, 9, 9, 9])

        var legacy = ModelNetOptions()
        legacy.version = 1
        legacy.mac = nil
        let old = try NetFixture(legacy, fallbackMAC: [0xfe, 1, 2])
        XCTAssertEqual(old.net.macAddress[0], 0xfe, "already locally administered and unicast")
        XCTAssertEqual(old.net.macAddress.count, 6)
        XCTAssertEqual(old.backend.configMAC, old.net.macAddress, "legacy: written to config space")
        f.assertNoViolations()
        old.assertNoViolations()
    }

    func testLinkChangesAreReportedFromTheConfigInterrupt() throws {
        let f = try NetFixture()
        XCTAssertTrue(f.net.linkUp)
        f.backend.setLink(up: false)
        f.net.handleInterrupt()
        XCTAssertFalse(f.net.linkUp)
        XCTAssertEqual(f.linkEvents, [false])
        f.device.raiseInterrupt(.configurationChange)  // a config interrupt that changes nothing
        f.net.handleInterrupt()
        XCTAssertEqual(f.linkEvents, [false])
        f.backend.setLink(up: true)
        f.net.handleInterrupt()
        XCTAssertEqual(f.linkEvents, [false, true])
        XCTAssertEqual(f.net.statistics.linkChanges, 2)

        var options = ModelNetOptions()
        options.status = false
        options.linkUp = false
        let noStatus = try NetFixture(options)
        XCTAssertTrue(noStatus.net.linkUp, "without STATUS the link is assumed up")
    }

    func testAReceiverMaySendAndWaitOnTheControlQueue() throws {
        let f = try NetFixture()
        var replies = 0
        f.net.receive = { [unowned f] bytes, _ in
            try? f.net.send(frame: bytes)
            try? f.net.setAllMulticast(true)  // waits inside the handler: no handler runs meanwhile
            replies += 1
        }
        for i in 0..<3 { f.backend.inject(NetFixture.frame(60, seed: i)) }
        f.platform.asHandler { f.net.handleInterrupt() }
        f.backend.inject(NetFixture.frame(60, seed: 3))
        f.settle()
        XCTAssertEqual(replies, 4)
        XCTAssertEqual(f.backend.controlCommands.count, 4)
        XCTAssertTrue(f.backend.transmitted.map(\.frame) == (0..<4).map { NetFixture.frame(60, seed: $0) }, "echoes differ")
        XCTAssertEqual(f.backend.postedReceiveBuffers, 256, "every buffer posted exactly once")
        f.assertNoViolations()
    }

    func testStartsWithTheLinkDownWhenTheDeviceSaysSo() throws {
        var options = ModelNetOptions()
        options.linkUp = false
        let f = try NetFixture(options)
        XCTAssertFalse(f.net.linkUp)
    }
}
