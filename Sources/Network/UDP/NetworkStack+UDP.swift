/// UDP on the stack: sockets, and the DHCP and DNS clients' traffic.
extension NetworkStack {
    func receiveUDP(_ header: IPv4Header, _ bytes: UnsafeRawBufferPointer, now: UInt64, checksumVerified: Bool = false) {
        statistics.udp.received += 1
        let datagram: UDPDatagram
        do throws(UDPDatagram.ParseError) {
            datagram = try UDPDatagram.parse(bytes, source: header.source, destination: header.destination,
                                             checksumVerified: checksumVerified)
        } catch {
            if error == .badChecksum { statistics.udp.droppedBadChecksum += 1 } else { statistics.udp.droppedMalformed += 1 }
            return
        }
        if datagram.destinationPort == DHCPMessage.clientPort && dhcp.state != .idle {
            receiveDHCP(datagram, now: now)
            return
        }
        guard isConfigured else {
            statistics.udp.droppedNoSocket += 1
            return
        }
        if let query = queries.first(where: { $0.socket?.port == datagram.destinationPort }) {
            receiveDNS(query, datagram: datagram, from: header.source, now: now)
            return
        }
        guard let socket = sockets.first(where: { $0.port == datagram.destinationPort }) else {
            statistics.udp.droppedNoSocket += 1
            sendPortUnreachable(header, original: bytes)
            return
        }
        let received = ReceivedDatagram(source: header.source, sourcePort: datagram.sourcePort,
                                        destination: header.destination, payload: datagram.payload)
        if !socket.enqueue(received) { statistics.udp.droppedQueueFull += 1 }
    }

    func receiveDHCP(_ datagram: UDPDatagram, now: UInt64) {
        statistics.dhcp.received += 1
        let parsed: DHCPMessage? = datagram.payload.withUnsafeBytes { bytes in
            do throws(DHCPMessage.ParseError) { return try DHCPMessage.parse(bytes) } catch { return nil }
        }
        guard let message = parsed else {
            statistics.dhcp.droppedMalformed += 1
            return
        }
        if message.messageType == .nak { statistics.dhcp.naks += 1 }
        let actions = dhcp.receive(message, now: now)
        if actions.isEmpty { statistics.dhcp.droppedUnmatched += 1 }
        perform(actions)
    }

    /// Binds `port` (0 picks a free ephemeral port, 49152-65535).
    public func openUDP(port: UInt16 = 0, queueLimit: Int = 0) throws(NetworkError) -> UDPSocket {
        let limit = queueLimit > 0 ? queueLimit : Self.udpQueueLimit
        var chosen = port
        if chosen == 0 {
            guard let free = freeEphemeralPort() else { throw .noFreePort }
            chosen = free
        } else if portInUse(chosen) || chosen == DHCPMessage.clientPort {
            throw .portInUse(chosen)
        }
        let socket = UDPSocket.create(port: chosen, queueLimit: limit)
        sockets.append(socket)
        return socket
    }

    func portInUse(_ port: UInt16) -> Bool {
        sockets.contains { $0.port == port } || queries.contains { $0.socket?.port == port }
    }

    func freeEphemeralPort() -> UInt16? {
        for _ in 0 ..< 64 {
            let candidate = UInt16(49_152 + nextRandom() % 16_384)
            if !portInUse(candidate) { return candidate }
        }
        return nil
    }

    public func close(_ socket: UDPSocket) {
        socket.markClosed()
        sockets.removeAll { $0 === socket }
    }

    /// Sends one datagram from `socket`; errors that only show later (ARP failure,
    /// ICMP unreachable) arrive as the socket's `pendingError`.
    public func send(_ socket: UDPSocket, to destination: IPv4Address, port: UInt16, payload: [UInt8]) throws(NetworkError) {
        guard socket.isOpen else { throw .socketClosed }
        guard isConfigured else { throw .notConfigured }
        try sendUDP(from: socket.port, to: destination, port: port, payload: payload)
    }

    func sendUDP(from sourcePort: UInt16, to destination: IPv4Address, port: UInt16, payload: [UInt8]) throws(NetworkError) {
        let datagram = UDPDatagram(sourcePort: sourcePort, destinationPort: port, payload: payload)
        if let error = send(protocolNumber: IPv4Header.protocolUDP, source: localAddress, destination: destination,
                            payload: datagram.bytes(source: localAddress, destination: destination,
                                                    partialChecksum: offloadsChecksums)) {
            throw error
        }
        statistics.udp.sent += 1
    }
}
