import XCTest
import Wire
@testable import Network

final class DNSTests: XCTestCase {
    /// A response to `query` built by hand: `answers` are raw resource-record bytes.
    private func response(to query: [UInt8], rcode: UInt16 = 0, answerCount: UInt16, answers: [UInt8]) -> [UInt8] {
        var out = Array(query[0 ..< 2])
        out.appendBigEndian(UInt16(0x8180) | rcode)
        out.appendBigEndian(UInt16(1))
        out.appendBigEndian(answerCount)
        out.appendBigEndian(UInt16(0))
        out.appendBigEndian(UInt16(0))
        out += query[12...]
        out += answers
        return out
    }

    private func record(name: [UInt8], type: UInt16, ttl: UInt32, data: [UInt8]) -> [UInt8] {
        var out = name
        out.appendBigEndian(type)
        out.appendBigEndian(UInt16(1))
        out.appendBigEndian(ttl)
        out.appendBigEndian(UInt16(data.count))
        return out + data
    }

    private func labels(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for part in text.split(separator: ".") {
            out.append(UInt8(part.utf8.count))
            out += Array(part.utf8)
        }
        return out + [0]
    }

    private func parse(_ bytes: [UInt8]) -> Result<DNSMessage.Response, DNSMessage.ParseError> {
        bytes.withUnsafeBytes { buffer in
            do throws(DNSMessage.ParseError) { return .success(try DNSMessage.parse(buffer)) } catch { return .failure(error) }
        }
    }

    /// A configured stack that already knows the DNS server's MAC (QEMU gives it its own).
    private func dnsStack() -> (NetworkStack<FakeInterface>, FakeInterface) {
        let (stack, interface) = makeStack()
        stack.receive(frame: arpFrame(operation: ARPPacket.request, senderMAC: otherMAC, senderIP: dnsIP,
                                      targetMAC: .zero, targetIP: ourIP), now: 0)
        _ = interface.takeSent()
        return (stack, interface)
    }

    /// Starts a lookup, returns the query and the DNS request the stack sent.
    private func lookup(_ stack: NetworkStack<FakeInterface>, _ interface: FakeInterface, _ name: String,
                        now: UInt64 = 0) -> (DNSQuery, UDPDatagram) {
        let query = stack.resolve(name, now: now)
        let udp = interface.takeSent().compactMap { SentFrame($0)?.udp }.first
        return (query, udp ?? UDPDatagram(sourcePort: 0, destinationPort: 0, payload: []))
    }

    private func answer(_ stack: NetworkStack<FakeInterface>, _ request: UDPDatagram, _ payload: [UInt8], now: UInt64 = 50) {
        stack.receive(frame: udpFrame(from: dnsIP, port: 53, to: ourIP, port: request.sourcePort, payload: payload), now: now)
    }

    func testQueryFormat() {
        let query = DNSMessage.query(identifier: 0x1234, name: DNSMessage.normalizedName("Example.COM.")!)
        XCTAssertEqual(query, [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0] + labels("example.com") + [0, 1, 0, 1])
        XCTAssertNil(DNSMessage.normalizedName("a..b"))
        XCTAssertNil(DNSMessage.normalizedName(""))
        XCTAssertNil(DNSMessage.normalizedName(String(repeating: "x", count: 64) + ".com"))
    }

    func testAnswerWithCompressionPointerResolves() {
        let (stack, interface) = dnsStack()
        let (query, request) = lookup(stack, interface, "example.com")
        XCTAssertEqual(request.destinationPort, 53)
        let answers = record(name: [0xC0, 12], type: 1, ttl: 300, data: [93, 184, 216, 34])
        answer(stack, request, response(to: request.payload, answerCount: 1, answers: answers))
        XCTAssertEqual(query.result, .success([remoteIP]))
        XCTAssertEqual(query.address, remoteIP)
    }

    func testCNAMEChainIsFollowed() {
        let (stack, interface) = dnsStack()
        let (query, request) = lookup(stack, interface, "www.example.com")
        // www.example.com CNAME edge.example.net (the "example" label compressed from the question);
        // edge.example.net CNAME final.example.net; final.example.net A 1.2.3.4. Unrelated A first.
        let questionEnd = request.payload.count + 0
        var answers: [UInt8] = []
        answers += record(name: labels("other.org"), type: 1, ttl: 60, data: [9, 9, 9, 9])
        let edgeOffset = questionEnd + answers.count + 12  // name(2)+fixed(10) of the next record
        answers += record(name: [0xC0, 12], type: 5, ttl: 100, data: [4] + Array("edge".utf8) + [0xC0, 16 + 0])
        _ = edgeOffset
        answers += record(name: labels("edge.example.com"), type: 5, ttl: 30, data: labels("final.example.com"))
        answers += record(name: labels("final.example.com"), type: 1, ttl: 200, data: [1, 2, 3, 4])
        answer(stack, request, response(to: request.payload, answerCount: 4, answers: answers))
        XCTAssertEqual(query.result, .success([IPv4Address(1, 2, 3, 4)]))
        // Cached for the smallest TTL on the chain (30 s).
        let cached = stack.resolve("WWW.example.com", now: 29_000)
        XCTAssertEqual(cached.result, .success([IPv4Address(1, 2, 3, 4)]))
        XCTAssertEqual(stack.statistics.dns.cacheHits, 1)
        let expired = stack.resolve("www.example.com", now: 30_100)
        XCTAssertFalse(expired.isComplete, "TTL over: asks again")
    }

    func testPointerLoopIsRejectedWithoutHanging() {
        let (stack, interface) = dnsStack()
        let (query, request) = lookup(stack, interface, "example.com")
        let loopAt = request.payload.count
        var answers: [UInt8] = [0xC0 | UInt8(loopAt >> 8), UInt8(loopAt & 0xFF)]   // points at itself
        answers += [0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 1, 1, 1]
        answer(stack, request, response(to: request.payload, answerCount: 1, answers: answers))
        XCTAssertFalse(query.isComplete, "a broken answer is dropped; a retry may still succeed")
        XCTAssertEqual(stack.statistics.dns.droppedMalformed, 1)
        // Two pointers chasing each other, and a pointer past the end.
        let twoLoop: [UInt8] = [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 14, 0xC0, 12, 0, 1, 0, 1]
        XCTAssertEqual(parse(twoLoop), .failure(.badName))
        let outside: [UInt8] = [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF]
        XCTAssertEqual(parse(outside), .failure(.badName))
        let longLabel: [UInt8] = [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 40, 1, 2]
        XCTAssertEqual(parse(longLabel), .failure(.badName))
        XCTAssertEqual(parse([0, 1, 0x81]), .failure(.truncated))
        XCTAssertEqual(parse([0, 1, 0x01, 0x80, 0, 0, 0, 0, 0, 0, 0, 0]), .failure(.notAResponse))
    }

    func testNameErrorAndServerFailure() {
        let (stack, interface) = dnsStack()
        let (missing, request) = lookup(stack, interface, "nowhere.invalid")
        answer(stack, request, response(to: request.payload, rcode: 3, answerCount: 0, answers: []))
        XCTAssertEqual(missing.result, .failure(.nameNotFound))
        let (broken, second) = lookup(stack, interface, "broken.example")
        answer(stack, second, response(to: second.payload, rcode: 2, answerCount: 0, answers: []))
        XCTAssertEqual(broken.result, .failure(.serverFailure(rcode: 2)))
        XCTAssertEqual(stack.resolve("a..b", now: 0).result, .failure(.invalidName))
        XCTAssertEqual(stack.resolve("10.0.2.2", now: 0).result, .success([gatewayIP]))
    }

    func testRetriesThenTimesOut() {
        let (stack, interface) = dnsStack()
        let (query, first) = lookup(stack, interface, "slow.example")
        var ids: Set<UInt16> = [UInt16(first.payload[0]) << 8 | UInt16(first.payload[1])]
        var now: UInt64 = 0
        while !query.isComplete && now < 60_000 {
            now += 100
            stack.poll(now: now)
            for udp in interface.takeSent().compactMap({ SentFrame($0)?.udp }) {
                ids.insert(UInt16(udp.payload[0]) << 8 | UInt16(udp.payload[1]))
            }
        }
        XCTAssertEqual(query.result, .failure(.timeout))
        XCTAssertEqual(now, 8_000, "4 attempts 2 s apart")
        XCTAssertEqual(stack.statistics.dns.queriesSent, 4)
        XCTAssertEqual(ids.count, 4, "each attempt has its own ID")
    }

    func testAnswerWithWrongIdentifierOrSourceIsIgnored() {
        let (stack, interface) = dnsStack()
        let (query, request) = lookup(stack, interface, "example.com")
        var forged = response(to: request.payload, answerCount: 1,
                              answers: record(name: [0xC0, 12], type: 1, ttl: 300, data: [6, 6, 6, 6]))
        forged[1] ^= 1
        answer(stack, request, forged)
        stack.receive(frame: udpFrame(from: remoteIP, port: 53, to: ourIP, port: request.sourcePort,
                                      payload: response(to: request.payload, answerCount: 0, answers: [])), now: 10)
        XCTAssertFalse(query.isComplete)
        XCTAssertEqual(stack.statistics.dns.droppedUnmatched, 2)
    }

    /// `nslookup NAME SERVER:PORT`: only that server and port are asked and
    /// believed, and its answer does not go into the cache.
    func testANamedServerAndPortAreAskedAndNothingIsCached() {
        let (stack, interface) = dnsStack()
        let server = DNSServer(address: dnsIP, port: 5353)
        let query = stack.resolve("lumen.test", server: server, now: 0)
        let request = interface.takeSent().compactMap { SentFrame($0)?.udp }.first
        XCTAssertEqual(request?.destinationPort, 5353)
        guard let request else { return }
        let reply = response(to: request.payload, answerCount: 1,
                             answers: record(name: [0xC0, 12], type: 1, ttl: 300, data: [10, 9, 8, 7]))
        // The configured server's usual port is not the one asked: ignored.
        stack.receive(frame: udpFrame(from: dnsIP, port: 53, to: ourIP, port: request.sourcePort, payload: reply), now: 5)
        XCTAssertFalse(query.isComplete)
        stack.receive(frame: udpFrame(from: dnsIP, port: 5353, to: ourIP, port: request.sourcePort, payload: reply), now: 6)
        XCTAssertEqual(query.result, .success([IPv4Address(10, 9, 8, 7)]))
        // The system resolver asks its own server again rather than trust the cache.
        let again = stack.resolve("lumen.test", now: 7)
        XCTAssertFalse(again.isComplete)
        XCTAssertEqual(interface.takeSent().compactMap { SentFrame($0)?.udp }.first?.destinationPort, 53)
        XCTAssertEqual(DNSServer("10.0.2.2:5353"), DNSServer(address: gatewayIP, port: 5353))
        XCTAssertEqual(DNSServer("10.0.2.3"), DNSServer(address: dnsIP))
        for bad in ["10.0.2", "10.0.2.3:", "10.0.2.3:0", "10.0.2.3:70000", "host:53", "1.2.3.4:5:6"] {
            XCTAssertNil(DNSServer(bad), bad)
        }
    }
}
