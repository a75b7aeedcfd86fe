import Foundation
import XCTest

/// The host side of the network tests, all on 127.0.0.1 (QEMU's user network
/// shows the host as 10.0.2.2) or inside a tap test's own network namespace: a
/// file server, a raw HTTP client and a lossy UDP relay, each a small python3
/// program run as a child process.
enum HostNetwork {
    /// A free port on 127.0.0.1 (bound and released; good enough for tests).
    /// `count` pseudo-random bytes, the same every time (files to serve and compare).
    static func payload(_ count: Int) -> Data {
        var data = Data(count: count)
        data.withUnsafeMutableBytes { raw in
            var state: UInt32 = 987_654
            for index in 0 ..< raw.count {
                state = state &* 1_664_525 &+ 1_013_904_223
                raw[index] = UInt8(truncatingIfNeeded: state >> 24)
            }
        }
        return data
    }

    static func freePort(udp: Bool = false) -> UInt16 {
        let fd = socket(AF_INET, udp ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return UInt16(bigEndian: address.sin_port)
    }

    final class Child {
        let process = Process()
        let output = Pipe()
        /// `namespace`: run inside that network namespace (`ip netns exec`).
        init(_ script: String, _ arguments: [String], namespace: String? = nil) throws {
            let command = ["python3", "-u", "-c", script] + arguments
            if let namespace {
                process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
                process.arguments = ["netns", "exec", namespace] + command
            } else {
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = command
            }
            process.standardOutput = output
            process.standardError = output
            try process.run()
        }
        /// Waits for the child's first line (its "ready").
        func firstLine(timeout: TimeInterval = 10) -> String {
            let deadline = Date().addingTimeInterval(timeout)
            var data = Data()
            let handle = output.fileHandleForReading
            while Date() < deadline {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                data.append(chunk)
                if data.contains(10) { break }
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func stop() { if process.isRunning { process.terminate(); process.waitUntilExit() } }
    }

    /// Serves `directory` over HTTP/1.1 on `host`:`port`.
    static func fileServer(directory: URL, port: UInt16, host: String = "127.0.0.1", namespace: String? = nil) throws -> Child {
        let script = """
        import http.server, functools, sys
        http.server.SimpleHTTPRequestHandler.protocol_version = "HTTP/1.1"
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
        server = http.server.ThreadingHTTPServer((sys.argv[3], int(sys.argv[2])), handler)
        print("ready", flush=True)
        server.serve_forever()
        """
        let child = try Child(script, [directory.path, String(port), host], namespace: namespace)
        XCTAssertEqual(child.firstLine(), "ready")
        return child
    }

    /// GET `path` exactly as given (no normalisation) from `host`:`port`:
    /// the status code and the body.
    static func get(port: UInt16, path: String, host: String = "127.0.0.1", namespace: String? = nil,
                    timeout: TimeInterval = 30) throws -> (status: Int, body: Data) {
        let script = """
        import http.client, sys
        c = http.client.HTTPConnection(sys.argv[4], int(sys.argv[1]), timeout=float(sys.argv[3]))
        c.putrequest("GET", sys.argv[2], skip_host=False, skip_accept_encoding=True)
        c.endheaders()
        r = c.getresponse()
        body = r.read()
        sys.stdout.buffer.write(b"%d\\n" % r.status + body)
        """
        let child = try Child(script, [String(port), path, String(timeout), host], namespace: namespace)
        // Read before waiting: a body bigger than the pipe would block the child.
        let data = child.output.fileHandleForReading.readDataToEndOfFile()
        child.process.waitUntilExit()
        guard let newline = data.firstIndex(of: 10), let status = Int(String(decoding: data[..<newline], as: UTF8.self)) else {
            throw NSError(domain: "HostNetwork", code: 1, userInfo: [NSLocalizedDescriptionKey: "GET \(path): " + String(decoding: data.prefix(500), as: UTF8.self)])
        }
        return (status, Data(data[(newline + 1)...]))
    }

    /// A relay between two QEMU `-netdev socket,udp=…` endpoints that drops
    /// `dropPercent` of the frames and holds back `reorderPercent` to send
    /// after the next one (seeded, so a failure can be replayed).
    static func lossyRelay(guestSide: (listen: UInt16, peer: UInt16), hubSide: (listen: UInt16, peer: UInt16),
                           dropPercent: Int, reorderPercent: Int) throws -> Child {
        let script = """
        import socket, select, random, sys
        a_listen, a_peer, b_listen, b_peer, drop, reorder = map(int, sys.argv[1:7])
        rng = random.Random(1234)
        a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", a_listen))
        b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.1", b_listen))
        held = {a: None, b: None}
        print("ready", flush=True)
        while True:
            ready, _, _ = select.select([a, b], [], [], 0.05)
            for s in ready:
                frame = s.recv(65536)
                out, dest = (b, b_peer) if s is a else (a, a_peer)
                if rng.randrange(100) < drop:
                    continue
                if held[out] is None and rng.randrange(100) < reorder:
                    held[out] = frame
                    continue
                out.sendto(frame, ("127.0.0.1", dest))
                if held[out] is not None:
                    out.sendto(held[out], ("127.0.0.1", dest)); held[out] = None
            if not ready:
                for out, dest in ((a, a_peer), (b, b_peer)):
                    if held[out] is not None:
                        out.sendto(held[out], ("127.0.0.1", dest)); held[out] = None
        """
        let child = try Child(script, [guestSide.listen, guestSide.peer, hubSide.listen, hubSide.peer].map { String($0) }
                                     + [String(dropPercent), String(reorderPercent)])
        XCTAssertEqual(child.firstLine(), "ready")
        return child
    }

    /// A DNS server on 127.0.0.1:`port` (UDP) that answers A queries for the
    /// names in `records`, NXDOMAIN for other names, and for "garbage.test" a
    /// reply that is not DNS at all; the guest reaches it as 10.0.2.2:`port`.
    static func dnsServer(port: UInt16, records: [String: String]) throws -> Child {
        let script = """
        import socket, struct, sys
        records = dict(item.split("=") for item in sys.argv[2:])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
        print("ready", flush=True)
        while True:
            query, peer = s.recvfrom(512)
            ident, flags, qd = struct.unpack("!HHH", query[:6])
            labels, i = [], 12
            while query[i]:
                labels.append(query[i + 1:i + 1 + query[i]].decode()); i += 1 + query[i]
            question = query[12:i + 5]
            name = ".".join(labels).lower()
            if name == "garbage.test":
                s.sendto(query[:2] + b"\\xff" * 5, peer); continue
            if name in records:
                answer = b"\\xc0\\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(records[name])
                s.sendto(struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0) + question + answer, peer)
            else:
                s.sendto(struct.pack("!HHHHHH", ident, 0x8183, 1, 0, 0, 0) + question, peer)
        """
        let child = try Child(script, [String(port)] + records.map { "\($0.key)=\($0.value)" })
        XCTAssertEqual(child.firstLine(), "ready")
        return child
    }
}

/// A tap interface, for QEMU's `-netdev tap,vnet_hdr=on`: the one backend here
/// that carries virtio-net headers, so the device offers checksum offload (CSUM,
/// GUEST_CSUM), and the host kernel on the other side sends partially
/// checksummed frames and accepts them. The tap, its address, QEMU and every
/// host-side helper of the test live in a network namespace made for the test
/// (removed with it), so its traffic never reaches the machine's own network.
/// Needs root (tests run as root).
final class HostTap {
    let name: String
    let namespace: String
    let hostAddress = "10.213.0.1"
    let guestAddress = "10.213.0.2"

    init() throws {
        let tag = UInt32.random(in: 10_000 ..< 99_999)
        name = "lmn\(tag)"
        namespace = "lumen-test-\(getpid())-\(tag)"
        try HostTap.ip(["netns", "add", namespace])
        do {
            try inside(["link", "set", "lo", "up"])
            try inside(["tuntap", "add", "dev", name, "mode", "tap"])
            // No IPv6 on it: the host's router solicitations and MLD reports would
            // be traffic the receive-filter test did not send.
            try HostTap.run("/usr/sbin/ip", ["netns", "exec", namespace, "sysctl", "-qw", "net.ipv6.conf.\(name).disable_ipv6=1"])
            try inside(["addr", "add", hostAddress + "/24", "dev", name])
            try inside(["link", "set", name, "up"])
        } catch {
            remove()
            throw error
        }
    }

    /// Deletes the namespace, and the tap with it.
    func remove() { try? HostTap.ip(["netns", "delete", namespace]) }

    private func inside(_ arguments: [String]) throws { try HostTap.ip(["-n", namespace] + arguments) }

    /// QEMU options for a virtio-net device on this tap.
    var devices: [String] {
        ["-netdev", "tap,id=n0,ifname=\(name),script=no,downscript=no,vnet_hdr=on", "-device", "virtio-net-device,netdev=n0"]
    }

    static func ip(_ arguments: [String]) throws { try run("/usr/sbin/ip", arguments) }

    static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw NSError(domain: "HostTap", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: executable + " " + arguments.joined(separator: " ") + ": " + message])
        }
    }

    /// Watches every TCP and UDP frame the guest sends on the tap (a packet
    /// socket, which also tells whether the kernel took the frame with its
    /// checksum still to be finished, as virtio-net's NEEDS_CSUM hands it over)
    /// and checks each checksum: a finished one must verify; an unfinished one
    /// must hold exactly the pseudo-header sum the device would build on.
    /// `stop()` ends it; `report()` then reads "checked N partial P bad B".
    func checksumWatcher() throws -> HostNetwork.Child {
        let script = """
        import socket, struct, sys, signal
        ETH_P_ALL, SOL_PACKET, PACKET_AUXDATA, CSUMNOTREADY = 3, 263, 8, 8
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((sys.argv[1], 0))
        s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        guest = socket.inet_aton(sys.argv[2])
        counts = {"checked": 0, "partial": 0, "bad": 0}
        def fold(total):
            while total > 0xffff: total = (total & 0xffff) + (total >> 16)
            return total
        def ones(data):
            if len(data) % 2: data += b"\\0"
            return fold(sum(struct.unpack("!%dH" % (len(data) // 2), data)))
        def done(*_):
            print("checked %(checked)d partial %(partial)d bad %(bad)d" % counts, flush=True); sys.exit(0)
        signal.signal(signal.SIGTERM, done)
        print("ready", flush=True)
        while True:
            frame, ancillary, _, _ = s.recvmsg(65536, 64)
            status = 0
            for level, kind, data in ancillary:
                if level == SOL_PACKET and kind == PACKET_AUXDATA: status = struct.unpack("I", data[:4])[0]
            if len(frame) < 34 or frame[12:14] != b"\\x08\\x00" or frame[26:30] != guest: continue
            ihl = (frame[14] & 15) * 4
            total = struct.unpack("!H", frame[16:18])[0]
            proto = frame[23]
            if proto not in (6, 17): continue
            l4 = frame[14 + ihl:14 + total]
            field = 16 if proto == 6 else 6
            pseudo = fold(ones(frame[26:34]) + proto + len(l4))
            counts["checked"] += 1
            if status & CSUMNOTREADY:
                counts["partial"] += 1
                if struct.unpack("!H", l4[field:field + 2])[0] != pseudo: counts["bad"] += 1
            elif not (proto == 17 and l4[6:8] == b"\\0\\0") and fold(pseudo + ones(l4)) != 0xffff:
                counts["bad"] += 1
        """
        let child = try HostNetwork.Child(script, [name, guestAddress], namespace: namespace)
        XCTAssertEqual(child.firstLine(), "ready")
        return child
    }

    /// `count` frames of an experimental EtherType (0x88B5) to `destination`
    /// ("02:00:00:00:00:99") into the guest's NIC; with
    /// `thenMarker`, one broadcast after them that every filter passes and that
    /// the stack counts as a malformed ARP packet.
    func inject(to destination: String, count: Int, thenMarker: Bool = false) throws {
        let script = """
        import socket, sys
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((sys.argv[1], 0))
        frame = bytes.fromhex(sys.argv[2].replace(":", "")) + bytes.fromhex("020000000001") + b"\\x88\\xb5" + b"lumen" * 10
        for _ in range(int(sys.argv[3])): s.send(frame)
        if sys.argv[4] == "1": s.send(b"\\xff" * 6 + bytes.fromhex("020000000001") + b"\\x08\\x06" + b"lumen" * 10)
        print("sent", flush=True)
        """
        let child = try HostNetwork.Child(script, [name, destination, String(count), thenMarker ? "1" : "0"],
                                          namespace: namespace)
        XCTAssertEqual(child.firstLine(), "sent")
        child.process.waitUntilExit()
    }
}

extension HostNetwork.Child {
    /// Stops the child and returns what it printed after its first line.
    func report() -> String {
        if process.isRunning { process.terminate() }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
