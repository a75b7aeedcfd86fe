import XCTest
@testable import Network

final class StackReportTests: XCTestCase {
    func testIfconfigLinesShowConfigurationAndCounters() {
        let (stack, _) = makeStack()
        stack.receive(frame: [1, 2], now: 1)
        XCTAssertEqual(stack.configurationLines, [
            "ether 52:54:00:12:34:56 mtu 1500",
            "inet 10.0.2.15 netmask 255.255.255.0 gateway 10.0.2.2",
            "dns 10.0.2.3 dhcp idle",
        ])
        let lines = stack.statistics.lines
        XCTAssertEqual(lines.count, 7)
        XCTAssertTrue(lines[0].hasPrefix("ethernet: rx 2 tx 1 dropped 1 (short 1,"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("arp: rx 1 tx 1 "), lines[1])
    }

    func testUnconfiguredStackRefusesToSendWithClearErrors() throws {
        let interface = FakeInterface()
        let stack = NetworkStack.create(interface: interface)
        let socket = try stack.openUDP()
        XCTAssertThrowsError(try stack.send(socket, to: remoteIP, port: 1, payload: [])) { error in
            XCTAssertEqual((error as? NetworkError)?.message, "no IPv4 address configured")
        }
        XCTAssertEqual(stack.ping(to: remoteIP, identifier: 1, sequence: 1, payload: [], now: 0).result, .failure(.notConfigured))
        XCTAssertEqual(stack.resolve("example.com", now: 0).result, .failure(.notConfigured))
        XCTAssertTrue(interface.sent.isEmpty)
    }
}
