import Drivers
import Network
import Platform
import Shell
import Storage

/// The network commands: ifconfig, dhcp, arp, ping, nslookup, wget, nc, httpd.
struct NetCommands {
    let machine: Machine

    func all() -> [KernelCommand] {
        [
            KernelCommand(name: "ifconfig", summary: "eth0's address, link, receive modes and statistics; or set them",
                          usage: "ifconfig [eth0 [ADDRESS/BITS [gw GATEWAY] [dns SERVER] | promisc | -promisc"
                              + " | allmulti | -allmulti | mcast add|del MAC]]", run: ifconfig),
            KernelCommand(name: "dhcp", summary: "ask for an address again (DHCP)", usage: "dhcp", run: dhcp),
            KernelCommand(name: "arp", summary: "the ARP cache", usage: "arp", run: arp),
            KernelCommand(name: "netstat", summary: "TCP connections and listeners", usage: "netstat", run: netstat),
            KernelCommand(name: "ping", summary: "ICMP echo to a host", usage: "ping [-c COUNT] HOST", run: ping),
            KernelCommand(name: "nslookup", summary: "a name's IPv4 addresses (DNS)", usage: "nslookup NAME [SERVER[:PORT]]", run: nslookup),
            KernelCommand(name: "wget", summary: "download over HTTP/1.1 to a file (/dev/null: count only)",
                          usage: "wget URL [FILE]", run: wget),
            KernelCommand(name: "nc", summary: "send standard input over TCP and print the answer",
                          usage: "nc HOST PORT | nc -l PORT", run: nc),
            KernelCommand(name: "httpd", summary: "serve the disks read-only over HTTP in the background",
                          usage: "httpd [PORT] | httpd stop", run: httpd),
        ]
    }

    /// Sleeps until `done`, the timeout or Ctrl-C (see `Net.wait`).
    func wait(_ context: inout KernelCommandContext, timeoutMilliseconds: UInt64, until done: () -> Bool) -> Bool {
        guard let net = machine.net else { return done() }
        return net.wait(&context, timeoutMilliseconds: timeoutMilliseconds, until: done)
    }

    func ready(_ context: inout KernelCommandContext) -> KernelNetworkStack? {
        guard let stack = machine.net?.stack else {
            _ = context.fail("no network device (attach -device virtio-net-device,netdev=…)")
            return nil
        }
        return stack
    }

    /// Waits up to 10 s for an address (DHCP starts at boot).
    func configured(_ context: inout KernelCommandContext) -> KernelNetworkStack? {
        guard let stack = ready(&context) else { return nil }
        if !stack.isConfigured {
            context.standardError.writeLine(context.name + ": waiting for an address (DHCP) …")
            guard wait(&context, timeoutMilliseconds: 10_000, until: { stack.isConfigured }) else {
                _ = context.fail("no IPv4 address (link " + ((machine.net?.driver.linkUp ?? false) ? "up" : "down") + ", DHCP "
                                 + stack.dhcpState.name + ")")
                return nil
            }
        }
        return stack
    }

    /// A dotted quad, or a name looked up with DNS.
    func resolve(_ context: inout KernelCommandContext, _ stack: KernelNetworkStack, _ host: String) -> IPv4Address? {
        if let address = IPv4Address(host) { return address }
        let query = stack.resolve(host, now: Net.milliseconds())
        _ = wait(&context, timeoutMilliseconds: 10_000) { query.isComplete }
        switch query.result {
        case .success(let addresses)?:
            if let first = addresses.first { return first }
            _ = context.fail(host + ": no address")
        case .failure(let error)?:
            _ = context.fail(host + ": " + error.message)
        case nil:
            _ = context.fail(host + ": " + (context.isInterrupted() ? "interrupted" : "timed out"))
        }
        return nil
    }

    func ifconfig(_ context: inout KernelCommandContext) -> Int32 {
        guard let stack = ready(&context), let driver = machine.net?.driver else { return 1 }
        var arguments = context.arguments
        if let name = arguments.first {
            guard name == Net.name else { return context.fail("no such interface: " + name + " (there is " + Net.name + ")") }
            arguments.removeFirst()
        }
        guard arguments.isEmpty else { return configureInterface(&context, stack, driver, arguments) }
        var out = context.standardOutput
        out.writeLine(Net.name + ": " + stack.macAddress.description + ", link " + (driver.linkUp ? "up" : "down")
                      + ", mtu \(stack.mtu)" + (driver.offersChecksumOffload ? ", checksum offload" : "")
                      + ((machine.net?.promiscuous ?? false) ? ", promisc" : "") + ((machine.net?.allMulticast ?? false) ? ", allmulti" : ""))
        if !stack.joinedMulticast.isEmpty {
            out.writeLine("  multicast " + stack.joinedMulticast.map { $0.description }.joined(separator: " "))
        }
        if stack.isConfigured {
            out.writeLine("  inet \(stack.localAddress)/\(Net.prefixLength(stack.subnetMask))"
                          + (stack.gateway.map { ", gateway \($0)" } ?? "")
                          + (stack.dnsServers.isEmpty ? "" : ", dns " + stack.dnsServers.map { $0.description }.joined(separator: " ")))
        } else {
            out.writeLine("  no address (DHCP " + stack.dhcpState.name + ")")
        }
        if let lease = stack.dhcpLease {
            out.writeLine("  DHCP \(stack.dhcpState.name), lease \(lease.leaseTime) s from \(lease.server)")
        }
        let s = driver.statistics
        out.writeLine("  RX \(s.receive.packets) packets, \(s.receive.bytes) bytes, \(s.receive.drops) dropped, \(s.receive.errors) errors")
        out.writeLine("  TX \(s.transmit.packets) packets, \(s.transmit.bytes) bytes, \(s.transmit.drops) dropped, \(s.transmit.errors) errors")
        out.writeLine("  \(s.interrupts) interrupts, \(s.linkChanges) link changes, \(s.softwareChecksums) checksums done by the driver")
        for line in stack.statistics.lines { out.writeLine("  " + line) }
        context.standardOutput = out
        return 0
    }

    /// `ifconfig eth0 …`: a static address, or the device's receive filter
    /// (through virtio-net's control queue).
    func configureInterface(_ context: inout KernelCommandContext, _ stack: KernelNetworkStack,
                                   _ driver: KernelNetDriver, _ arguments: [String]) -> Int32 {
        switch arguments[0] {
        case "promisc", "-promisc", "allmulti", "-allmulti":
            guard arguments.count == 1 else { return context.usageError() }
            let on = !arguments[0].hasPrefix("-")
            let promiscuous = arguments[0].hasSuffix("promisc")
            let what = promiscuous ? "promiscuous mode" : "all-multicast mode"
            do {
                if promiscuous { try driver.setPromiscuous(on) } else { try driver.setAllMulticast(on) }
            } catch {
                return context.fail(what + ": " + error.message)
            }
            if promiscuous { machine.net?.promiscuous = on } else { machine.net?.allMulticast = on }
            context.standardOutput.writeLine(Net.name + ": " + what + (on ? " on" : " off"))
        case "mcast":
            guard arguments.count == 3, arguments[1] == "add" || arguments[1] == "del" else { return context.usageError() }
            guard let mac = MACAddress(arguments[2]), mac.isMulticast, !mac.isBroadcast else {
                return context.fail("not a multicast MAC address: " + arguments[2] + " (e.g. 01:00:5e:00:00:fb)")
            }
            let adding = arguments[1] == "add"
            var groups = stack.joinedMulticast.filter { $0 != mac }
            if adding { groups.append(mac) }
            do {
                try driver.setMACFilter(unicast: [], multicast: groups.map { $0.array })
            } catch {
                return context.fail("multicast filter: " + error.message)
            }
            if adding { stack.joinMulticast(mac) } else { stack.leaveMulticast(mac) }
            context.standardOutput.writeLine(Net.name + ": multicast " + mac.description + (adding ? " added" : " removed"))
        default:
            return configureAddress(&context, stack, arguments)
        }
        return 0
    }

    /// `ifconfig eth0 ADDRESS/BITS [gw GATEWAY] [dns SERVER]`: a static address
    /// (DHCP stops, and stays off until the `dhcp` command).
    func configureAddress(_ context: inout KernelCommandContext, _ stack: KernelNetworkStack,
                                 _ arguments: [String]) -> Int32 {
        let parts = arguments[0].split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv4Address(String(parts[0])), let bits = Int(String(parts[1])),
              bits >= 1 && bits <= 32, address != .any else {
            return context.fail("not an address with a prefix length: " + arguments[0] + " (e.g. 10.0.3.2/24)")
        }
        var gateway: IPv4Address? = nil
        var dnsServers: [IPv4Address] = []
        var index = 1
        while index < arguments.count {
            guard index + 1 < arguments.count, let value = IPv4Address(arguments[index + 1]),
                  arguments[index] == "gw" || arguments[index] == "dns" else { return context.usageError() }
            if arguments[index] == "gw" { gateway = value } else { dnsServers.append(value) }
            index += 2
        }
        let mask = IPv4Address(bits == 32 ? 0xFFFF_FFFF : ~(UInt32(0xFFFF_FFFF) >> UInt32(bits)))
        if let gateway, !gateway.isOnSubnet(of: address, mask: mask) {
            return context.fail("gateway \(gateway) is not on \(address)/\(bits)")
        }
        stack.stopDHCP()
        machine.net?.useStaticAddress(true)
        stack.configure(address: address, subnetMask: mask, gateway: gateway, dnsServers: dnsServers)
        context.standardOutput.writeLine(Net.name + ": \(address)/\(bits)" + (gateway.map { ", gateway \($0)" } ?? "")
                                         + (dnsServers.isEmpty ? "" : ", dns " + dnsServers.map { $0.description }.joined(separator: " ")))
        return 0
    }

    func dhcp(_ context: inout KernelCommandContext) -> Int32 {
        guard let stack = ready(&context) else { return 1 }
        machine.net?.useStaticAddress(false)
        stack.startDHCP(now: Net.milliseconds())
        guard wait(&context, timeoutMilliseconds: 15_000, until: { stack.dhcpLease != nil && stack.isConfigured }) else {
            return context.fail("no answer from a DHCP server (state " + stack.dhcpState.name + ")")
        }
        context.standardOutput.writeLine("dhcp: \(stack.localAddress)/\(Net.prefixLength(stack.subnetMask))"
                                         + (stack.gateway.map { ", gateway \($0)" } ?? ""))
        return 0
    }

    func arp(_ context: inout KernelCommandContext) -> Int32 {
        guard let stack = ready(&context) else { return 1 }
        let now = Net.milliseconds()
        let table = stack.arpTable
        if table.isEmpty { context.standardOutput.writeLine("(empty)") }
        for entry in table {
            context.standardOutput.writeLine("\(entry.address)  \(entry.mac)  expires in \((entry.expires - min(entry.expires, now)) / 1000) s")
        }
        return 0
    }

    func netstat(_ context: inout KernelCommandContext) -> Int32 {
        guard ready(&context) != nil, let tcp = machine.net?.tcp else { return 1 }
        for listener in tcp.listeners { context.standardOutput.writeLine("listen      *:\(listener.port)") }
        for c in tcp.connections {
            let s = c.statistics
            context.standardOutput.writeLine(c.state.name + "  \(c.localAddress):\(c.localPort) ↔ \(c.remoteAddress):\(c.remotePort)  "
                + "sent \(s.bytesSent) B in \(s.segmentsSent) segments (\(s.retransmissions) retransmitted, \(s.fastRetransmissions) fast), "
                + "received \(s.bytesReceived) B; unacknowledged \(c.unacknowledgedBytes), window \(c.congestionWindow)"
                + (c.error.map { ", " + $0.message } ?? ""))
        }
        if tcp.listeners.isEmpty && tcp.connections.isEmpty { context.standardOutput.writeLine("(no TCP connections)") }
        return 0
    }

    func ping(_ context: inout KernelCommandContext) -> Int32 {
        var arguments = context.arguments
        var count = 4
        if arguments.first == "-c" {
            guard arguments.count >= 2, let number = Int(arguments[1]), number >= 1, number <= 1000 else { return context.usageError() }
            count = number
            arguments.removeFirst(2)
        }
        guard arguments.count == 1 else { return context.usageError() }
        guard let stack = configured(&context), let destination = resolve(&context, stack, arguments[0]) else { return 1 }
        context.standardOutput.writeLine("PING \(arguments[0]) (\(destination)): 56 data bytes")
        let identifier = UInt16(truncatingIfNeeded: machine.entropy.random32())
        var received = 0
        var times: [UInt64] = []
        let payload = (0 ..< 56).map { UInt8($0) }
        var sent = 0
        for sequence in 0 ..< count {
            if context.isInterrupted() { break }
            let started = Net.milliseconds()
            let precise = GenericTimer.now()
            let session = stack.ping(to: destination, identifier: identifier, sequence: UInt16(sequence), payload: payload,
                                     now: started, timeout: 3000)
            sent += 1
            _ = wait(&context, timeoutMilliseconds: 3500) { session.isComplete }
            // The stack's clock counts milliseconds; the reply is noticed as soon
            // as its interrupt wakes the wait, so time it here in microseconds.
            let microseconds = GenericTimer.now().nanoseconds(since: precise) / 1000
            switch session.result {
            case .success(let reply)?:
                received += 1
                times.append(microseconds)
                context.standardOutput.writeLine("\(reply.payloadSize + 8) bytes from \(reply.from): seq=\(reply.sequence) "
                                                 + "ttl=\(reply.ttl) time=" + milliseconds(microseconds) + " ms")
            case .failure(let error)?:
                context.standardOutput.writeLine("seq=\(sequence): " + error.message)
            case nil:
                context.standardOutput.writeLine("seq=\(sequence): no reply")
            }
            // One a second, as ping does (but not after the last).
            if sequence + 1 < count {
                let next = started + 1000
                _ = wait(&context, timeoutMilliseconds: next - min(next, Net.milliseconds())) { false }
            }
        }
        let loss = sent == 0 ? 0 : (sent - received) * 100 / sent
        context.standardOutput.writeLine("--- \(destination) ping statistics ---")
        var summary = "\(sent) transmitted, \(received) received, \(loss)% packet loss"
        if let low = times.min(), let high = times.max() {
            summary += ", rtt min/avg/max = " + milliseconds(low) + "/" + milliseconds(times.reduce(0, +) / UInt64(times.count))
                + "/" + milliseconds(high) + " ms"
        }
        context.standardOutput.writeLine(summary)
        return received > 0 ? 0 : 1
    }

    /// 1234 µs → "1.234".
    func milliseconds(_ microseconds: UInt64) -> String {
        let fraction = microseconds % 1000
        return "\(microseconds / 1000)." + (fraction < 10 ? "00" : fraction < 100 ? "0" : "") + "\(fraction)"
    }

    func nslookup(_ context: inout KernelCommandContext) -> Int32 {
        guard context.arguments.count == 1 || context.arguments.count == 2 else { return context.usageError() }
        var server: DNSServer? = nil
        if context.arguments.count == 2 {
            guard let named = DNSServer(context.arguments[1]) else {
                return context.fail("not a server address: " + context.arguments[1] + " (use A.B.C.D or A.B.C.D:PORT)")
            }
            server = named
        }
        guard let stack = configured(&context) else { return 1 }
        let name = context.arguments[0]
        if let server { context.standardOutput.writeLine("server " + server.description) }
        let query = stack.resolve(name, server: server, now: Net.milliseconds())
        _ = wait(&context, timeoutMilliseconds: 10_000) { query.isComplete }
        switch query.result {
        case .success(let addresses)?:
            for address in addresses { context.standardOutput.writeLine(name + " has address \(address)") }
            return 0
        case .failure(let error)?:
            return context.fail(name + ": " + error.message)
        case nil:
            return context.fail(name + ": timed out")
        }
    }

    /// "http://host[:port]/path" → (host, port, path).
    func parseURL(_ url: String) -> (host: String, port: UInt16, path: String)? {
        guard url.hasPrefix("http://") else { return nil }
        let rest = url.dropFirst(7)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = slash == rest.endIndex ? "/" : String(rest[slash...])
        var host = String(authority)
        var port: UInt16 = 80
        if let colon = authority.lastIndex(of: ":") {
            guard let number = UInt16(authority[authority.index(after: colon)...]), number > 0 else { return nil }
            port = number
            host = String(authority[..<colon])
        }
        return host.isEmpty ? nil : (host, port, path)
    }

    /// Opens a TCP connection and waits for it to be established.
    func open(_ context: inout KernelCommandContext, _ stack: KernelNetworkStack, to address: IPv4Address,
                     port: UInt16) -> TCPConnection? {
        guard let tcp = machine.net?.tcp else { return nil }
        let connection = tcp.connect(to: address, port: port, now: Net.milliseconds())
        _ = wait(&context, timeoutMilliseconds: 30_000) {
            connection.state == .established || connection.error != nil || connection.state == .closed
        }
        if connection.state == .established || connection.state == .closeWait { return connection }
        _ = context.fail("\(address):\(port): " + (connection.error?.message ?? (context.isInterrupted() ? "interrupted" : "timed out")))
        connection.abort()
        return nil
    }

    func wget(_ context: inout KernelCommandContext) -> Int32 {
        guard context.arguments.count == 1 || context.arguments.count == 2,
              let url = parseURL(context.arguments[0]) else { return context.usageError() }
        let fileName = context.arguments.count == 2 ? context.arguments[1]
            : String(url.path.split(separator: "/").last ?? "index.html")
        // "/dev/null" counts the body and keeps nothing (for measuring the network alone).
        let discard = fileName == "/dev/null"
        let path = context.resolvePath(fileName.isEmpty ? "index.html" : fileName)
        guard let stack = configured(&context), let address = resolve(&context, stack, url.host),
              let connection = open(&context, stack, to: address, port: url.port) else { return 1 }
        defer { connection.abort() }
        let request = HTTPClientRequest.get(url.path, host: url.host, port: url.port).bytes
        var sent = 0
        var parser = HTTPResponseParser()
        var written: UInt64 = 0
        let started = Net.milliseconds()
        var lastReport = started
        do throws(FilesError) {
            let target: (volume: KernelVolume, path: String)? = discard ? nil : try machine.files.route(path)
            if let target { try machine.files.fat { () throws(FATError) in try target.volume.writeFile(target.path, []) } }
            var pending: [UInt8] = []
            func flush(_ force: Bool) throws(FilesError) {
                guard let target, !pending.isEmpty, force || pending.count >= 256 << 10 else { return }
                let offset = written
                let count = pending.count
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
                defer { buffer.deallocate() }
                buffer.copyBytes(from: pending)
                try machine.files.fat { () throws(FATError) in
                    try target.volume.write(target.path, offset: offset, from: UnsafeRawBufferPointer(buffer))
                }
                written += UInt64(count)
                pending.removeAll(keepingCapacity: true)
            }
            while true {
                let seen = machine.events.activity
                if sent < request.count { sent += connection.send(Array(request[sent...])) }
                let bytes = connection.receive(maximum: 256 << 10)
                if !bytes.isEmpty {
                    let body: [UInt8]
                    do throws(HTTPError) { body = try parser.feed(bytes) } catch {
                        return context.fail(context.arguments[0] + ": " + error.message)
                    }
                    // /dev/null counts the body; a file gathers it for the disk.
                    if target == nil { written += UInt64(body.count) } else { pending += body }
                    try flush(false)
                    if parser.headersComplete && parser.statusCode != 200 {
                        return context.fail(context.arguments[0] + ": HTTP \(parser.statusCode) \(parser.reason)")
                    }
                } else if connection.isFinishedReceiving || parser.isComplete {
                    break
                } else if let error = connection.error {
                    return context.fail(context.arguments[0] + ": " + error.message)
                } else if context.isInterrupted() {
                    context.shell.writeToTerminal("\n")
                    return 130
                } else {
                    machine.net?.pause(since: seen)
                }
                if parser.isComplete { break }
                let now = Net.milliseconds()
                if now - lastReport >= 500 {
                    lastReport = now
                    let total = parser.contentLength.map { " of \($0)" } ?? ""
                    context.shell.writeToTerminal("\rwget: \(written + UInt64(pending.count))\(total) bytes")
                }
            }
            if !parser.isComplete {
                do throws(HTTPError) { try parser.finish() } catch {
                    return context.fail(context.arguments[0] + ": " + error.message)
                }
            }
            try flush(true)
        } catch {
            return context.fail(FileCommands.message(error, fileName))
        }
        let elapsed = max(Net.milliseconds() - started, 1)
        if lastReport != started { context.shell.writeToTerminal("\n") }
        context.standardOutput.writeLine("wget: " + (discard ? "received" : "saved") + " \(written) bytes"
                                         + (discard ? "" : " to " + path) + " in \(elapsed) ms (\(written * 1000 / elapsed / 1000) KB/s)")
        return 0
    }

    func nc(_ context: inout KernelCommandContext) -> Int32 {
        let arguments = context.arguments
        guard let stack = configured(&context), let tcp = machine.net?.tcp else { return 1 }
        let connection: TCPConnection
        if arguments.count == 2 && arguments[0] == "-l" {
            guard let port = UInt16(arguments[1]), port > 0 else { return context.usageError() }
            guard let listener = tcp.listen(port: port, backlog: 1) else { return context.fail("port \(port) is in use") }
            defer { listener.close() }
            context.standardError.writeLine("nc: listening on \(stack.localAddress):\(port)")
            var accepted: TCPConnection? = nil
            _ = wait(&context, timeoutMilliseconds: UInt64.max / 2) {
                accepted = listener.accept()
                return accepted != nil
            }
            guard let accepted else { return 130 }
            connection = accepted
        } else {
            guard arguments.count == 2, let port = UInt16(arguments[1]), port > 0 else { return context.usageError() }
            guard let address = resolve(&context, stack, arguments[0]),
                  let opened = open(&context, stack, to: address, port: port) else { return 1 }
            connection = opened
        }
        let input = context.standardInput
        var sent = 0
        var closedOurSide = false
        while true {
            let seen = machine.events.activity
            if sent < input.count { sent += connection.send(Array(input[sent...])) }
            if sent == input.count && !closedOurSide && context.hasStandardInput {
                connection.close()
                closedOurSide = true
            }
            let bytes = connection.receive(maximum: 64 << 10)
            if !bytes.isEmpty {
                context.standardOutput.write(bytes)
                continue
            }
            if connection.isFinishedReceiving || connection.state == .closed { break }
            if let error = connection.error { return context.fail(error.message) }
            if context.isInterrupted() {
                connection.abort()
                return 130
            }
            machine.net?.pause(since: seen)
        }
        if !closedOurSide { connection.close() }
        return 0
    }

    func httpd(_ context: inout KernelCommandContext) -> Int32 {
        if context.arguments == ["stop"] {
            guard machine.httpd.isRunning else { return context.fail("not running") }
            machine.httpd.stop()
            context.standardOutput.writeLine("httpd: stopped after \(machine.httpd.served) requests")
            return 0
        }
        guard context.arguments.count <= 1 else { return context.usageError() }
        let port = context.arguments.first.flatMap { UInt16($0) } ?? 80
        guard port > 0 else { return context.usageError() }
        guard let stack = configured(&context) else { return 1 }
        if let problem = machine.httpd.start(port: port) { return context.fail(problem) }
        context.standardOutput.writeLine("httpd: serving the disks read-only on http://\(stack.localAddress):\(port)/ (httpd stop to end)")
        return 0
    }
}
