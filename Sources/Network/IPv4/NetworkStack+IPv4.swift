/// IPv4 on the stack: checks and filtering on the way in, reassembly, protocol
/// dispatch; routing, ARP and framing on the way out.

import Wire
extension NetworkStack {
    func receiveIPv4(_ packet: UnsafeRawBufferPointer, now: UInt64, checksumVerified: Bool = false) {
        statistics.ipv4.received += 1
        let header: IPv4Header
        do throws(IPv4Header.ParseError) {
            header = try IPv4Header.parse(packet)
        } catch {
            if error == .badChecksum { statistics.ipv4.droppedBadChecksum += 1 } else { statistics.ipv4.droppedMalformed += 1 }
            return
        }
        guard header.ttl > 0, header.source != .broadcast, header.source.value >> 28 != 0xE else {
            statistics.ipv4.droppedMalformed += 1
            return
        }
        guard accepts(header) else {
            statistics.ipv4.droppedNotForUs += 1
            return
        }
        // Ethernet pads short frames: only `totalLength` bytes are the datagram.
        let payload = UnsafeRawBufferPointer(rebasing: packet[header.headerLength ..< header.totalLength])
        if header.isFragment {
            statistics.ipv4.fragmentsReceived += 1
            switch reassembler.add(header: header, payload: payload, now: now) {
            case .incomplete:
                return
            case .discarded:
                statistics.ipv4.reassemblyFailures += 1
                return
            case .complete(let whole):
                // No device vouches for a checksum over fragments.
                statistics.ipv4.reassembled += 1
                whole.withUnsafeBytes { deliver(header, payload: $0, now: now, checksumVerified: false) }
            }
        } else {
            deliver(header, payload: payload, now: now, checksumVerified: checksumVerified)
        }
    }

    /// Ours, the limited or subnet broadcast, a joined multicast group, or, before we have
    /// an address, UDP (the DHCP server may unicast its offer to the address it offers).
    func accepts(_ header: IPv4Header) -> Bool {
        let destination = header.destination
        if destination == .broadcast { return true }
        if isConfigured {
            if destination == localAddress { return true }
            if destination.value == localAddress.value | ~subnetMask.value && subnetMask.value != 0xFFFF_FFFF { return true }
        } else if header.protocolNumber == IPv4Header.protocolUDP {
            return true
        }
        if destination.value >> 28 == 0xE { return multicastGroups.contains(Self.multicastMAC(destination)) }
        return false
    }

    static func multicastMAC(_ group: IPv4Address) -> MACAddress {
        MACAddress(0x01, 0x00, 0x5E, UInt8(truncatingIfNeeded: group.value >> 16) & 0x7F,
                   UInt8(truncatingIfNeeded: group.value >> 8), UInt8(truncatingIfNeeded: group.value))
    }

    func deliver(_ header: IPv4Header, payload: UnsafeRawBufferPointer, now: UInt64, checksumVerified: Bool) {
        switch header.protocolNumber {
        case IPv4Header.protocolICMP:
            statistics.ipv4.delivered += 1
            if checksumVerified { statistics.ipv4.checksumsTrusted += 1 }
            receiveICMP(header, payload, now: now, checksumVerified: checksumVerified)
        case IPv4Header.protocolUDP:
            statistics.ipv4.delivered += 1
            if checksumVerified { statistics.ipv4.checksumsTrusted += 1 }
            receiveUDP(header, payload, now: now, checksumVerified: checksumVerified)
        case IPv4Header.protocolTCP:
            guard let tcpReceive, header.destination == localAddress else {
                statistics.ipv4.droppedUnknownProtocol += 1
                return
            }
            statistics.ipv4.delivered += 1
            if checksumVerified { statistics.ipv4.checksumsTrusted += 1 }
            tcpReceive(payload, header.source, header.destination, checksumVerified)
        default:
            statistics.ipv4.droppedUnknownProtocol += 1
        }
    }

    // MARK: send

    /// For the TCP layer (and anyone else above IPv4): false when the datagram could
    /// not be sent or queued (no address, no route, too large, ARP queue full).
    public func sendIPv4(protocol number: UInt8, to destination: IPv4Address, payload: [UInt8]) -> Bool {
        guard isConfigured else { return false }
        return send(protocolNumber: number, source: localAddress, destination: destination, payload: payload) == nil
    }

    /// Builds and routes one datagram (DF set: the stack never fragments what it sends).
    func send(protocolNumber: UInt8, source: IPv4Address, destination: IPv4Address, payload: [UInt8]) -> NetworkError? {
        let size = IPv4Header.minimumSize + payload.count
        guard size <= interface.mtu, size <= 65_535 else {
            statistics.ipv4.droppedTooLarge += 1
            return .datagramTooLarge(size)
        }
        identification &+= 1
        let datagram = IPv4Header.buildDatagram(source: source, destination: destination, protocolNumber: protocolNumber,
                                                identification: identification, payload: payload)
        statistics.ipv4.sent += 1
        return route(datagram, destination: destination)
    }

    func route(_ datagram: [UInt8], destination: IPv4Address) -> NetworkError? {
        if destination == .broadcast || (isConfigured && destination.value == localAddress.value | ~subnetMask.value) {
            return transmitIPv4(datagram, to: .broadcast) ? nil : .transmitFailed
        }
        if destination.value >> 28 == 0xE {
            return transmitIPv4(datagram, to: Self.multicastMAC(destination)) ? nil : .transmitFailed
        }
        guard isConfigured else { return .notConfigured }
        if destination == localAddress {
            // Loopback: a ping to ourselves comes straight back in (with a
            // checksum left to a device that never saw it: trusted, as Linux's
            // loopback does).
            datagram.withUnsafeBytes { receiveIPv4($0, now: lastNow, checksumVerified: offloadsChecksums) }
            return nil
        }
        let nextHop: IPv4Address
        if destination.isOnSubnet(of: localAddress, mask: subnetMask) {
            nextHop = destination
        } else if let gateway {
            nextHop = gateway
        } else {
            statistics.ipv4.droppedNoRoute += 1
            return .noRoute(destination)
        }
        if let mac = arp.lookup(nextHop, now: lastNow) {
            return transmitIPv4(datagram, to: mac) ? nil : .transmitFailed
        }
        return queueForResolution(datagram, nextHop: nextHop, now: lastNow)
    }

    /// Frames one datagram. With checksum offload, the TCP or UDP checksum in
    /// it holds the pseudo-header sum only, and the device is told to finish it.
    @discardableResult
    func transmitIPv4(_ datagram: [UInt8], to mac: MACAddress) -> Bool {
        let frame = EthernetHeader.build(destination: mac, source: interface.macAddress, etherType: EthernetHeader.typeIPv4,
                                         payload: datagram)
        if offloadsChecksums, let offload = Self.checksumOffload(datagram) {
            statistics.ipv4.checksumsOffloaded += 1
            return transmit(frame, checksumOffload: offload)
        }
        return transmit(frame)
    }

    /// Where the device must put the checksum of a TCP or UDP datagram the
    /// stack built (never a fragment: it does not fragment what it sends).
    static func checksumOffload(_ datagram: [UInt8]) -> ChecksumOffload? {
        guard datagram.count >= IPv4Header.minimumSize else { return nil }
        let headerLength = Int(datagram[0] & 0x0F) * 4
        let start = EthernetHeader.size + headerLength
        switch datagram[9] {
        case IPv4Header.protocolTCP: return ChecksumOffload(start: start, offset: TCPSegment.checksumOffset)
        case IPv4Header.protocolUDP: return ChecksumOffload(start: start, offset: UDPDatagram.checksumOffset)
        default: return nil
        }
    }

    func transmit(_ frame: [UInt8], checksumOffload: ChecksumOffload? = nil) -> Bool {
        let sent = checksumOffload.map { interface.transmit(frame, checksumOffload: $0) } ?? interface.transmit(frame)
        if sent {
            statistics.ethernet.sent += 1
            return true
        }
        statistics.ethernet.transmitFailures += 1
        return false
    }

    /// A datagram we sent (its IPv4 header and at least 8 bytes after it) did not arrive:
    /// tell whoever sent it, matched by protocol and port or echo identifier.
    func reportUndeliverable(_ original: UnsafeRawBufferPointer, error: NetworkError) {
        guard original.count >= IPv4Header.minimumSize, original[0] >> 4 == 4 else { return }
        let headerLength = Int(original[0] & 0x0F) * 4
        guard headerLength >= IPv4Header.minimumSize, let destination = original.bigEndianUInt32(at: 16),
              let first = original.bigEndianUInt16(at: headerLength), let second = original.bigEndianUInt16(at: headerLength + 2)
        else { return }
        let remote = IPv4Address(destination)
        switch original[9] {
        case IPv4Header.protocolUDP:
            for query in queries where query.socket?.port == first && !query.isComplete {
                // Another server may still answer: retry at once, fail only on the last attempt.
                if query.attempts >= Self.dnsAttempts { finish(query, .failure(error)) } else { query.nextAttempt = lastNow }
                return
            }
            for socket in sockets where socket.port == first { socket.report(error) }
        case IPv4Header.protocolICMP:
            guard first >> 8 == ICMPMessage.typeEchoRequest, let identifier = original.bigEndianUInt16(at: headerLength + 4),
                  let sequence = original.bigEndianUInt16(at: headerLength + 6) else { return }
            for ping in pings where ping.identifier == identifier && ping.sequence == sequence && ping.destination == remote {
                ping.complete(.failure(error))
            }
        case IPv4Header.protocolTCP:
            tcpUnreachable?(error, remote, first, second)
        default:
            break
        }
    }
}
