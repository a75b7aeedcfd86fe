/// ARP on the stack: answering, learning, resolving with retries and a bounded
/// queue of datagrams per unresolved next hop.
extension NetworkStack {
    func receiveARP(_ bytes: UnsafeRawBufferPointer, now: UInt64) {
        statistics.arp.received += 1
        guard let packet = ARPPacket.parse(bytes), !packet.senderMAC.isMulticast else {
            statistics.arp.droppedMalformed += 1
            return
        }
        let forUs = isConfigured && packet.targetIP == localAddress
        // RFC 826 merge: refresh what we know; learn the sender when it talks to us or we asked for it.
        let awaited = arp.resolutions.contains { $0.address == packet.senderIP }
        if packet.senderIP != .any && packet.senderIP != localAddress && (forUs || awaited || arp.contains(packet.senderIP)) {
            arp.insert(packet.senderIP, mac: packet.senderMAC, now: now)
            if awaited { flushResolution(packet.senderIP, mac: packet.senderMAC) }
        }
        guard forUs else {
            if !awaited { statistics.arp.droppedNotForUs += 1 }
            return
        }
        if packet.operation == ARPPacket.request {
            let reply = ARPPacket(operation: ARPPacket.reply, senderMAC: interface.macAddress, senderIP: localAddress,
                                  targetMAC: packet.senderMAC, targetIP: packet.senderIP)
            if transmitARP(reply, to: packet.senderMAC) { statistics.arp.requestsAnswered += 1 }
        }
    }

    @discardableResult
    func transmitARP(_ packet: ARPPacket, to mac: MACAddress) -> Bool {
        statistics.arp.sent += 1
        return transmit(EthernetHeader.build(destination: mac, source: interface.macAddress,
                                             etherType: EthernetHeader.typeARP, payload: packet.bytes))
    }

    /// Announces our address so neighbours update stale caches (sender = target = us).
    func sendGratuitousARP() {
        transmitARP(ARPPacket(operation: ARPPacket.request, senderMAC: interface.macAddress, senderIP: localAddress,
                              targetMAC: .zero, targetIP: localAddress), to: .broadcast)
    }

    func sendARPRequest(for address: IPv4Address) {
        transmitARP(ARPPacket(operation: ARPPacket.request, senderMAC: interface.macAddress, senderIP: localAddress,
                              targetMAC: .zero, targetIP: address), to: .broadcast)
    }

    /// Queues `datagram` until `nextHop` resolves, asking for it if nobody has yet.
    func queueForResolution(_ datagram: [UInt8], nextHop: IPv4Address, now: UInt64) -> NetworkError? {
        if let index = arp.resolutions.firstIndex(where: { $0.address == nextHop }) {
            guard arp.resolutions[index].packets.count < ARPCache.maximumPacketsPerAddress else {
                statistics.arp.queueOverflows += 1
                return .hostUnreachable(nextHop)
            }
            arp.resolutions[index].packets.append(datagram)
            return nil
        }
        guard arp.resolutions.count < ARPCache.maximumPendingAddresses else {
            statistics.arp.queueOverflows += 1
            return .hostUnreachable(nextHop)
        }
        arp.resolutions.append(ARPCache.Resolution(address: nextHop, attempts: 1, nextAttempt: now &+ ARPCache.retryInterval,
                                                   packets: [datagram]))
        sendARPRequest(for: nextHop)
        return nil
    }

    func flushResolution(_ address: IPv4Address, mac: MACAddress) {
        guard let index = arp.resolutions.firstIndex(where: { $0.address == address }) else { return }
        let packets = arp.resolutions[index].packets
        arp.resolutions.remove(at: index)
        for datagram in packets { transmitIPv4(datagram, to: mac) }
    }

    func pollARPResolutions(now: UInt64) {
        var failed: [ARPCache.Resolution] = []
        var index = 0
        while index < arp.resolutions.count {
            if now >= arp.resolutions[index].nextAttempt {
                if arp.resolutions[index].attempts >= ARPCache.maximumAttempts {
                    failed.append(arp.resolutions.remove(at: index))
                    continue
                }
                arp.resolutions[index].attempts += 1
                arp.resolutions[index].nextAttempt = now &+ ARPCache.retryInterval
                sendARPRequest(for: arp.resolutions[index].address)
            }
            index += 1
        }
        for resolution in failed {
            statistics.arp.resolutionFailures += 1
            for datagram in resolution.packets {
                datagram.withUnsafeBytes { reportUndeliverable($0, error: .hostUnreachable(resolution.address)) }
            }
        }
    }
}
