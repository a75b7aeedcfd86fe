/// ICMP on the stack: answering pings, the echo client, and unreachable reports.
extension NetworkStack {
    func receiveICMP(_ header: IPv4Header, _ bytes: UnsafeRawBufferPointer, now: UInt64, checksumVerified: Bool = false) {
        statistics.icmp.received += 1
        let message: ICMPMessage
        do throws(ICMPMessage.ParseError) {
            message = try ICMPMessage.parse(bytes, checksumVerified: checksumVerified)
        } catch {
            if error == .badChecksum { statistics.icmp.droppedBadChecksum += 1 } else { statistics.icmp.droppedMalformed += 1 }
            return
        }
        switch message.type {
        case ICMPMessage.typeEchoRequest:
            // Only pings to our own address: answering broadcasts would make us a smurf amplifier.
            guard header.destination == localAddress, message.code == 0 else {
                statistics.icmp.droppedUnmatched += 1
                return
            }
            let reply = ICMPMessage(type: ICMPMessage.typeEchoReply, code: 0, restOfHeader: message.restOfHeader, body: message.body)
            if send(protocolNumber: IPv4Header.protocolICMP, source: localAddress, destination: header.source,
                    payload: reply.bytes) == nil {
                statistics.icmp.sent += 1
                statistics.icmp.echoRequestsAnswered += 1
            }
        case ICMPMessage.typeEchoReply:
            statistics.icmp.echoRepliesReceived += 1
            guard let ping = pings.first(where: {
                !$0.isComplete && $0.identifier == message.identifier && $0.sequence == message.sequence
                    && $0.destination == header.source
            }) else {
                statistics.icmp.droppedUnmatched += 1
                return
            }
            ping.complete(.success(PingReply(from: header.source, sequence: message.sequence,
                                             roundTripMilliseconds: now >= ping.sentAt ? now - ping.sentAt : 0,
                                             ttl: header.ttl, payloadSize: message.body.count)))
        case ICMPMessage.typeDestinationUnreachable:
            statistics.icmp.unreachablesReceived += 1
            let error = NetworkError.destinationUnreachable(code: message.code, reporter: header.source)
            message.body.withUnsafeBytes { reportUndeliverable($0, error: error) }
        default:
            statistics.icmp.droppedUnmatched += 1
        }
    }

    /// Sends one echo request; the session completes with the reply (and its RTT),
    /// an unreachable report, or `.timeout` after `timeout` ms (checked in `poll`).
    public func ping(to destination: IPv4Address, identifier: UInt16, sequence: UInt16, payload: [UInt8],
                     now: UInt64, timeout: UInt64 = 3_000) -> PingSession {
        lastNow = max(lastNow, now)
        let session = PingSession.create(destination: destination, identifier: identifier, sequence: sequence,
                                         now: now, timeout: timeout)
        guard isConfigured else {
            session.complete(.failure(.notConfigured))
            return session
        }
        guard pings.count < Self.maximumPings else {
            session.complete(.failure(.tooManyRequests))
            return session
        }
        pings.append(session)
        let request = ICMPMessage.echo(request: true, identifier: identifier, sequence: sequence, payload: payload)
        if let error = send(protocolNumber: IPv4Header.protocolICMP, source: localAddress, destination: destination,
                            payload: request.bytes) {
            session.complete(.failure(error))
        } else {
            statistics.icmp.sent += 1
        }
        return session
    }

    /// ICMP port unreachable for a unicast UDP datagram nobody listens for (RFC 1122 3.2.2.1).
    func sendPortUnreachable(_ header: IPv4Header, original: UnsafeRawBufferPointer) {
        guard header.destination == localAddress, original.count >= 8 else { return }
        var quoted = IPv4Header.buildDatagram(source: header.source, destination: header.destination,
                                              protocolNumber: header.protocolNumber, identification: header.identification,
                                              ttl: header.ttl, dontFragment: header.dontFragment, payload: [])
        quoted += original[0 ..< 8]
        let message = ICMPMessage(type: ICMPMessage.typeDestinationUnreachable, code: 3, restOfHeader: 0, body: quoted)
        if send(protocolNumber: IPv4Header.protocolICMP, source: localAddress, destination: header.source,
                payload: message.bytes) == nil {
            statistics.icmp.sent += 1
        }
    }
}
