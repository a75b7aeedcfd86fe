import Foundation
import XCTest

/// The host side of the network tests, all on 127.0.0.1 (QEMU's user network
/// shows the host as 10.0.2.2): a file server, a raw HTTP client and a lossy
/// UDP relay, each a small python3 program run as a child process.
enum HostNetwork {
    /// A free port on 127.0.0.1 (bound and released; good enough for tests).
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
        init(_ script: String, _ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-u", "-c", script] + arguments
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

    /// Serves `directory` over HTTP/1.1 on 127.0.0.1:`port`.
    static func fileServer(directory: URL, port: UInt16) throws -> Child {
        let script = """
        import http.server, functools, sys
        http.server.SimpleHTTPRequestHandler.protocol_version = "HTTP/1.1"
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
        server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), handler)
        print("ready", flush=True)
        server.serve_forever()
        """
        let child = try Child(script, [directory.path, String(port)])
        XCTAssertEqual(child.firstLine(), "ready")
        return child
    }

    /// GET `path` exactly as given (no normalisation) from 127.0.0.1:`port`:
    /// the status code and the body.
    static func get(port: UInt16, path: String, timeout: TimeInterval = 30) throws -> (status: Int, body: Data) {
        let script = """
        import http.client, sys
        c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=float(sys.argv[3]))
        c.putrequest("GET", sys.argv[2], skip_host=False, skip_accept_encoding=True)
        c.endheaders()
        r = c.getresponse()
        body = r.read()
        sys.stdout.buffer.write(b"%d\\n" % r.status + body)
        """
        let child = try Child(script, [String(port), path, String(timeout)])
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
}
