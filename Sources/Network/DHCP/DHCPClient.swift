/// The DHCP client state machine. It does no I/O itself: every call returns the
/// actions the stack must take (send a message, apply or drop a lease), which
/// keeps it testable and keeps the stack the only owner of the interface.
struct DHCPClient {
    static let initialRetransmit: UInt64 = 4_000
    static let maximumRetransmit: UInt64 = 64_000
    static let requestAttempts = 4
    static let minimumRenewRetransmit: UInt64 = 60_000

    enum Action: Equatable {
        /// Send to `destination` (broadcast while we have no address or are rebinding).
        case send(DHCPMessage, destination: IPv4Address)
        case configure(DHCPLease)
        case deconfigure
    }

    let mac: MACAddress
    private(set) var state: DHCPState = .idle
    private(set) var lease: DHCPLease?
    private var transactionID: UInt32
    private var nextTimer: UInt64 = 0
    private var retransmit: UInt64 = initialRetransmit
    private var attempts = 0
    private var started: UInt64 = 0
    private var offered: DHCPMessage?

    init(mac: MACAddress, seed: UInt32) {
        self.mac = mac
        transactionID = seed
    }

    private mutating func newTransaction() {
        // xorshift: successive transactions must not be confused with each other.
        var x = transactionID == 0 ? 0x2545_F491 : transactionID
        x ^= x << 13; x ^= x >> 17; x ^= x << 5
        transactionID = x
    }

    mutating func start(now: UInt64) -> [Action] {
        var actions: [Action] = []
        if lease != nil { actions.append(.deconfigure) }
        lease = nil
        state = .selecting
        newTransaction()
        started = now
        retransmit = Self.initialRetransmit
        attempts = 0
        actions.append(sendDiscover(now: now))
        return actions
    }

    mutating func stop() -> [Action] {
        state = .idle
        offered = nil
        if lease != nil {
            lease = nil
            return [.deconfigure]
        }
        return []
    }

    private func message(_ type: DHCPMessage.MessageType, now: UInt64) -> DHCPMessage {
        var message = DHCPMessage(operation: 1, transactionID: transactionID, clientMAC: mac, messageType: type)
        message.seconds = UInt16(clamping: (now &- started) / 1000)
        return message
    }

    private mutating func sendDiscover(now: UInt64) -> Action {
        attempts += 1
        scheduleRetransmit(now: now)
        return .send(message(.discover, now: now), destination: .broadcast)
    }

    private mutating func scheduleRetransmit(now: UInt64) {
        nextTimer = now &+ retransmit
        retransmit = min(retransmit * 2, Self.maximumRetransmit)
    }

    private func request(for offer: DHCPMessage, now: UInt64) -> DHCPMessage {
        var request = message(.request, now: now)
        request.requestedAddress = offer.yourAddress
        request.serverIdentifier = offer.serverIdentifier
        return request
    }

    /// A renewal/rebinding REQUEST: ciaddr set, no server id or requested address (RFC 2131 4.3.2).
    private func renewal(_ lease: DHCPLease, now: UInt64) -> DHCPMessage {
        var request = message(.request, now: now)
        request.clientAddress = lease.address
        return request
    }

    mutating func receive(_ reply: DHCPMessage, now: UInt64) -> [Action] {
        guard reply.operation == 2, reply.transactionID == transactionID, reply.clientMAC == mac,
              let type = reply.messageType else { return [] }
        switch (state, type) {
        case (.selecting, .offer):
            guard reply.yourAddress != .any, reply.serverIdentifier != nil else { return [] }
            offered = reply
            state = .requesting
            attempts = 1
            retransmit = Self.initialRetransmit
            scheduleRetransmit(now: now)
            return [.send(request(for: reply, now: now), destination: .broadcast)]
        case (.requesting, .ack), (.renewing, .ack), (.rebinding, .ack):
            guard reply.yourAddress != .any else { return [] }
            let granted = makeLease(reply, now: now)
            let changed = lease.map { $0.address != granted.address } ?? false
            lease = granted
            state = .bound
            offered = nil
            nextTimer = granted.renewAt
            return changed ? [.deconfigure, .configure(granted)] : [.configure(granted)]
        case (.requesting, .nak), (.renewing, .nak), (.rebinding, .nak):
            return start(now: now)
        default:
            return []
        }
    }

    private func makeLease(_ ack: DHCPMessage, now: UInt64) -> DHCPLease {
        // QEMU's slirp grants a day; a missing lease time is treated as an hour.
        let seconds = ack.leaseTime ?? 3600
        let leaseMs = UInt64(seconds) * 1000
        var renew = UInt64(ack.renewalTime ?? seconds / 2) * 1000
        var rebind = UInt64(ack.rebindingTime ?? UInt32((UInt64(seconds) * 7) / 8)) * 1000
        if rebind > leaseMs { rebind = leaseMs * 7 / 8 }
        if renew > rebind { renew = rebind / 2 }
        let mask = ack.subnetMask ?? Self.classfulMask(ack.yourAddress)
        return DHCPLease(address: ack.yourAddress, subnetMask: mask, gateway: ack.routers.first,
                         dnsServers: Array(ack.dnsServers.prefix(3)),
                         server: ack.serverIdentifier ?? lease?.server ?? .any, leaseTime: seconds, acquiredAt: now,
                         renewAt: now &+ renew, rebindAt: now &+ rebind, expiresAt: now &+ leaseMs)
    }

    static func classfulMask(_ address: IPv4Address) -> IPv4Address {
        let first = address.value >> 24
        if first < 128 { return IPv4Address(255, 0, 0, 0) }
        if first < 192 { return IPv4Address(255, 255, 0, 0) }
        return IPv4Address(255, 255, 255, 0)
    }

    /// Retransmissions and lease timers; called from the stack's poll.
    /// When `poll` has something to do next: the retransmission while asking,
    /// the lease's next phase (renewal, rebinding, expiry) while holding one;
    /// nil when idle.
    var nextDeadline: UInt64? {
        switch state {
        case .idle: return nil
        case .selecting, .requesting: return nextTimer
        case .bound: return lease?.renewAt
        case .renewing: return lease.map { min(nextTimer, $0.rebindAt) }
        case .rebinding: return lease.map { min(nextTimer, $0.expiresAt) }
        }
    }

    mutating func poll(now: UInt64) -> [Action] {
        switch state {
        case .idle:
            return []
        case .selecting:
            guard now >= nextTimer else { return [] }
            return [sendDiscover(now: now)]
        case .requesting:
            guard now >= nextTimer, let offered else { return [] }
            if attempts >= Self.requestAttempts { return start(now: now) }
            attempts += 1
            scheduleRetransmit(now: now)
            return [.send(request(for: offered, now: now), destination: .broadcast)]
        case .bound, .renewing, .rebinding:
            guard let lease else { return start(now: now) }
            if now >= lease.expiresAt { return start(now: now) }
            if now >= lease.rebindAt && state != .rebinding {
                state = .rebinding
                nextTimer = now
            } else if now >= lease.renewAt && state == .bound {
                state = .renewing
                started = now
                newTransaction()
                nextTimer = now
            }
            guard state != .bound, now >= nextTimer else { return [] }
            // RFC 2131 4.4.5: retry at half the remaining time, but not more often than once a minute.
            let limit = state == .renewing ? lease.rebindAt : lease.expiresAt
            let remaining = limit > now ? limit - now : 0
            nextTimer = now &+ max(remaining / 2, Self.minimumRenewRetransmit)
            let destination = state == .renewing && lease.server != .any ? lease.server : IPv4Address.broadcast
            return [.send(renewal(lease, now: now), destination: destination)]
        }
    }
}
