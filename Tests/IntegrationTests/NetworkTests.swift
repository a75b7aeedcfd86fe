import Foundation
import TestSupport
import XCTest

/// virtio-net, the IPv4/TCP stack and the network commands against QEMU's
/// user network (the host is 10.0.2.2; everything stays on this machine).
final class NetworkTests: XCTestCase {
    func userNet(_ options: String = "") -> [String] {
        ["-netdev", "user,id=n0" + options, "-device", "virtio-net-device,netdev=n0"]
    }

    func makeImage() throws -> FATImage {
        let image = try FATImage()
        addTeardownBlock { image.remove() }
        return image
    }

    /// Waits until DHCP configured the interface (it starts at boot).
    func waitForAddress(_ lumen: LumenConsole) throws {
        _ = try lumen.qemu.waitForSerial("dhcp: 10.0.2.15", timeout: 20)
    }

    func checkDHCPAndPing(modern: Bool) throws {
        let lumen = try LumenConsole(modern: modern, devices: userNet(), testCase: self)
        try waitForAddress(lumen)
        let interface = try lumen.run("ifconfig")
        XCTAssertTrue(interface.contains("10.0.2.15"), interface)
        XCTAssertTrue(interface.contains("link up"), interface)
        let ping = try lumen.run("ping -c 3 10.0.2.2", timeout: 20)
        XCTAssertTrue(ping.contains("bytes from 10.0.2.2"), ping)
        XCTAssertTrue(ping.contains("3 received"), ping)
        XCTAssertTrue(try lumen.run("arp").contains("10.0.2.2"))
    }

    func testDHCPAndPingLegacy() throws { try checkDHCPAndPing(modern: false) }
    func testDHCPAndPingModern() throws { try checkDHCPAndPing(modern: true) }

    func makePayload(_ count: Int) -> Data { HostNetwork.payload(count) }

    /// wget of a 4 MiB file from a server on the host; mtools reads it back identical.
    func download(through devices: [String], image: FATImage, timeout: TimeInterval) throws {
        let served = image.directory.appendingPathComponent("served")
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        let payload = makePayload(4 << 20)
        try payload.write(to: served.appendingPathComponent("payload.bin"))
        let port = HostNetwork.freePort()
        let server = try HostNetwork.fileServer(directory: served, port: port)
        defer { server.stop() }
        let lumen = try LumenConsole(memoryMiB: 512, devices: image.drive() + devices, testCase: self)
        try waitForAddress(lumen)
        let output = try lumen.run("wget http://10.0.2.2:\(port)/payload.bin /payload.bin && sync", timeout: timeout)
        XCTAssertTrue(output.contains("4194304 bytes"), output)
        lumen.qemu.kill()
        XCTAssertTrue(try image.get("payload.bin") == payload, "the downloaded file differs")
        let check = try image.check()
        XCTAssertTrue(check.clean, check.report)
    }

    func testWgetSavesAByteIdenticalFile() throws {
        try download(through: userNet(), image: try makeImage(), timeout: 120)
    }

    /// The same download through a relay that drops 5 % of the frames and
    /// reorders some: Lumen's NIC is a `-netdev socket` whose frames the relay
    /// passes to a hub holding the user network.
    func testWgetThroughALossyLinkIsStillIdentical() throws {
        let guestNIC = HostNetwork.freePort(udp: true), guestRelay = HostNetwork.freePort(udp: true)
        let hubNIC = HostNetwork.freePort(udp: true), hubRelay = HostNetwork.freePort(udp: true)
        let relay = try HostNetwork.lossyRelay(guestSide: (listen: guestRelay, peer: guestNIC),
                                               hubSide: (listen: hubRelay, peer: hubNIC), dropPercent: 5, reorderPercent: 5)
        defer { relay.stop() }
        let devices = [
            "-netdev", "socket,id=n0,udp=127.0.0.1:\(guestRelay),localaddr=127.0.0.1:\(guestNIC)",
            "-device", "virtio-net-device,netdev=n0",
            "-netdev", "user,id=u0", "-netdev", "hubport,id=p0,hubid=1,netdev=u0",
            "-netdev", "socket,id=s1,udp=127.0.0.1:\(hubRelay),localaddr=127.0.0.1:\(hubNIC)",
            "-netdev", "hubport,id=p1,hubid=1,netdev=s1",
        ]
        try download(through: devices, image: try makeImage(), timeout: 300)
    }

    /// The host fetches a file from Lumen's httpd through a hostfwd port;
    /// paths that climb out of the disk are refused.
    func testHttpdServesTheDiskReadOnly() throws {
        let image = try makeImage()
        let payload = makePayload(1 << 20)
        try image.put("www/file.bin", payload)
        let port = HostNetwork.freePort()
        let lumen = try LumenConsole(devices: image.drive() + userNet(",hostfwd=tcp:127.0.0.1:\(port)-:80"), testCase: self)
        try waitForAddress(lumen)
        XCTAssertTrue(try lumen.run("httpd 80").contains("httpd: serving"))
        let file = try HostNetwork.get(port: port, path: "/www/file.bin")
        XCTAssertEqual(file.status, 200)
        XCTAssertTrue(file.body == payload, "served file differs (\(file.body.count) bytes)")
        let listing = try HostNetwork.get(port: port, path: "/www/")
        XCTAssertEqual(listing.status, 200)
        XCTAssertTrue(String(decoding: listing.body, as: UTF8.self).contains("file.bin"))
        for hostile in ["/../etc/passwd", "/www/../../x", "/%2e%2e/%2e%2e/x", "/www/%00"] {
            let refused = try HostNetwork.get(port: port, path: hostile)
            XCTAssertTrue(refused.status == 403 || refused.status == 400 || refused.status == 404, "\(hostile): \(refused.status)")
        }
        XCTAssertTrue(try lumen.run("echo shell still here").contains("shell still here"))
    }

    /// QMP set_link takes the link down and up: noticed, reported, and the
    /// network works again afterwards.
    func testLinkDownAndUpIsNoticed() throws {
        let lumen = try LumenConsole(devices: userNet(), testCase: self)
        try waitForAddress(lumen)
        var mark = lumen.qemu.serialOutput.endIndex
        _ = try lumen.qemu.qmp("set_link", arguments: ["name": "n0", "up": false])
        _ = try lumen.qemu.waitForSerial("eth0: link down", after: mark, timeout: 10)
        XCTAssertTrue(try lumen.run("ifconfig").contains("link down"))
        mark = lumen.qemu.serialOutput.endIndex
        _ = try lumen.qemu.qmp("set_link", arguments: ["name": "n0", "up": true])
        _ = try lumen.qemu.waitForSerial("eth0: link up", after: mark, timeout: 10)
        XCTAssertTrue(try lumen.run("ping -c 1 10.0.2.2", timeout: 20).contains("1 received"))
    }

    /// `nslookup NAME SERVER:PORT` against a DNS server the test runs on the
    /// host: an answer, a name that does not exist, and a reply that is not DNS.
    func testNslookupAsksTheNamedServer() throws {
        let port = HostNetwork.freePort(udp: true)
        let dns = try HostNetwork.dnsServer(port: port, records: ["lumen.test": "10.9.8.7"])
        defer { dns.stop() }
        let lumen = try LumenConsole(devices: userNet(), testCase: self)
        try waitForAddress(lumen)
        try lumen.expect("nslookup lumen.test 10.0.2.2:\(port)", prints: "lumen.test has address 10.9.8.7", timeout: 20)
        try lumen.expect("nslookup nowhere.test 10.0.2.2:\(port)", prints: "nowhere.test: name not found", timeout: 20)
        try lumen.expect("nslookup garbage.test 10.0.2.2:\(port)", prints: "garbage.test: timed out", timeout: 20)
        try lumen.expect("nslookup lumen.test 10.0.2.2:0", prints: "not a server address")
        try lumen.expect("ifconfig", prints: "dns: queries")
    }

    /// The counters of the stack's ethernet line in `ifconfig`, and the ARP
    /// line's malformed count (the receive-filter test's marker frame).
    func ethernetCounters(_ lumen: LumenConsole) throws -> (notForUs: Int, unknownType: Int, arpMalformed: Int) {
        let output = try lumen.run("ifconfig")
        func number(after label: String) -> Int {
            guard let range = output.range(of: label) else { return -1 }
            return Int(output[range.upperBound...].prefix { $0.isNumber }) ?? -1
        }
        return (number(after: "not for us "), number(after: "unknown type "), number(after: "malformed "))
    }

    /// The device's receive filter, set through virtio-net's control queue, as
    /// QEMU applies it to frames the host sends into the tap: the device starts
    /// out promiscuous and Lumen turns that off at boot; `promisc`, `allmulti`
    /// and the multicast list each let through exactly what they should.
    func testReceiveFilterFollowsPromiscAllmultiAndTheMulticastList() throws {
        let tap = try HostTap()
        addTeardownBlock { tap.remove() }
        // The tap lives in the test's own namespace, not in the machine's.
        XCTAssertThrowsError(try HostTap.ip(["link", "show", tap.name]), "the tap is in the machine's namespace")
        let lumen = try LumenConsole(devices: tap.devices, networkNamespace: tap.namespace, testCase: self)
        /// Five frames to `mac` from the host, then a marker frame that always
        /// passes the filter (a malformed ARP broadcast), then the counters once the
        /// marker is counted: frames arrive in order, so the five were handled.
        func countersAfterFrames(to mac: String) throws -> (notForUs: Int, unknownType: Int, arpMalformed: Int) {
            let before = try ethernetCounters(lumen)
            try tap.inject(to: mac, count: 5, thenMarker: true)
            let counters = try lastValue(timeout: 5, interval: 0.1, { try ethernetCounters(lumen) },
                                         until: { $0.arpMalformed > before.arpMalformed })
            XCTAssertGreaterThan(counters.arpMalformed, before.arpMalformed, "the marker frame never arrived")
            return counters
        }
        let start = try ethernetCounters(lumen)
        XCTAssertEqual(try countersAfterFrames(to: "02:00:00:00:00:99").notForUs, start.notForUs,
                       "another host's frames reached the stack")
        try lumen.expect("ifconfig eth0 promisc", prints: "eth0: promiscuous mode on")
        try lumen.expect("ifconfig", prints: ", promisc")
        let promiscuous = try countersAfterFrames(to: "02:00:00:00:00:99")
        XCTAssertEqual(promiscuous.notForUs, start.notForUs + 5, "promiscuous mode lets every frame in")
        try lumen.expect("ifconfig eth0 -promisc", prints: "promiscuous mode off")
        XCTAssertEqual(try countersAfterFrames(to: "01:00:5e:01:02:03").notForUs, promiscuous.notForUs,
                       "a group nobody joined came in")
        try lumen.expect("ifconfig eth0 mcast add 01:00:5e:01:02:03", prints: "added")
        try lumen.expect("ifconfig", prints: "multicast 01:00:5e:01:02:03")
        let joined = try countersAfterFrames(to: "01:00:5e:01:02:03")
        XCTAssertEqual(joined.unknownType, start.unknownType + 5, "the joined group's frames reach the stack")
        XCTAssertEqual(joined.notForUs, promiscuous.notForUs)
        try lumen.expect("ifconfig eth0 allmulti", prints: "all-multicast mode on")
        XCTAssertEqual(try countersAfterFrames(to: "01:00:5e:09:09:09").notForUs, joined.notForUs + 5,
                       "all-multicast lets every group in")
        try lumen.expect("ifconfig eth0 mcast add 02:00:00:00:00:01", prints: "not a multicast MAC address")
        try lumen.expect("ifconfig eth1", prints: "no such interface")
    }

    /// Checksum offload both ways with a peer that uses it: QEMU's tap backend
    /// with virtio-net headers, and the host kernel on the other end. Lumen
    /// leaves its TCP and UDP checksums to the device (and the host checks each
    /// one it is handed: a finished checksum must verify, an unfinished one
    /// must hold the right pseudo-header sum), and trusts the host's.
    func checkChecksumOffload(modern: Bool) throws {
        let tap = try HostTap()
        addTeardownBlock { tap.remove() }
        let watcher = try tap.checksumWatcher()
        defer { watcher.stop() }
        let image = try makeImage()
        let payload = makePayload(1 << 20)
        try image.put("www/file.bin", payload)
        let served = image.directory.appendingPathComponent("served")
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        try payload.write(to: served.appendingPathComponent("payload.bin"))
        let port = HostNetwork.freePort()
        let server = try HostNetwork.fileServer(directory: served, port: port, host: tap.hostAddress, namespace: tap.namespace)
        defer { server.stop() }
        let lumen = try LumenConsole(memoryMiB: 512, modern: modern, devices: image.drive() + tap.devices,
                                     networkNamespace: tap.namespace, testCase: self)
        XCTAssertTrue(lumen.bootLog.contains("checksum offload"), lumen.bootLog)
        try lumen.expect("ifconfig eth0 \(tap.guestAddress)/24", prints: "eth0: \(tap.guestAddress)/24")
        try lumen.expect("ping -c 2 \(tap.hostAddress)", prints: "2 received", timeout: 20)
        try lumen.expect("wget http://\(tap.hostAddress):\(port)/payload.bin /payload.bin && sync", prints: "1048576 bytes",
                         timeout: 60)
        try lumen.expect("httpd 80", prints: "httpd: serving")
        let fetched = try HostNetwork.get(port: 80, path: "/www/file.bin", host: tap.guestAddress, namespace: tap.namespace)
        XCTAssertEqual(fetched.status, 200)
        XCTAssertTrue(fetched.body == payload, "served file differs (\(fetched.body.count) bytes)")
        let statistics = try lumen.run("ifconfig")
        guard let range = statistics.range(of: "checksums offloaded ") else { return XCTFail(statistics) }
        let numbers = statistics[range.upperBound...].split(separator: " ")
        XCTAssertGreaterThan(Int(numbers[0]) ?? 0, 100, statistics)   // every segment Lumen sent
        XCTAssertGreaterThan(Int(numbers.count > 2 ? numbers[2].prefix { $0.isNumber } : "") ?? 0, 100, statistics)
        let report = watcher.report()
        let counts = report.split(separator: " ")
        XCTAssertEqual(counts.count, 6, report)
        if counts.count == 6 {
            XCTAssertGreaterThan(Int(counts[1]) ?? 0, 100, report)
            XCTAssertGreaterThan(Int(counts[3]) ?? 0, 100, "no frame left its checksum to the device: " + report)
            XCTAssertEqual(counts[5], "0", "wrong checksums: " + report)
        }
        lumen.qemu.kill()
        XCTAssertTrue(try image.get("payload.bin") == payload, "the downloaded file differs")
    }

    func testChecksumOffloadWithTheHostLegacy() throws { try checkChecksumOffload(modern: false) }
    func testChecksumOffloadWithTheHostModern() throws { try checkChecksumOffload(modern: true) }
}
