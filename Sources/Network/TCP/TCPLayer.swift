/// The TCP protocol engine for one host: demultiplexes segments to
/// connections and listeners, answers strays with RST, and drives timers.
/// The IP layer is reached only through closures, so this layer can be tested
/// (and glued to any IPv4 implementation) on its own.
public final class TCPLayer {
    /// Transmits one complete TCP segment (header with checksum + data) inside an IPv4 packet.
    /// Returns false if it could not be queued; TCP's retransmission covers that.
    public var send: ((_ segment: [UInt8], _ source: IPv4Address, _ destination: IPv4Address) -> Bool)?
    /// Segments carry only the pseudo-header sum in their checksum field, for
    /// a device that finishes it (set from `NetworkStack.offloadsChecksums`).
    public var partialChecksums = false
    public var configuration: TCPConfiguration
    public private(set) var connections: [TCPConnection] = []
    public private(set) var listeners: [TCPListener] = []
    /// Segments dropped for a bad checksum or a malformed header.
    public private(set) var malformedSegments = 0
    /// Resets sent for segments that matched no connection or listener.
    public private(set) var resetsSent = 0

    /// Inside `beginReceiveBatch` … `endReceiveBatch`.
    public private(set) var isReceivingBatch = false

    private let localAddress: () -> IPv4Address
    private let random: () -> UInt32
    private var lastNow: UInt64 = 0

    public init(localAddress: @escaping () -> IPv4Address, random: @escaping () -> UInt32,
                configuration: TCPConfiguration = TCPConfiguration()) {
        self.localAddress = localAddress
        self.random = random
        self.configuration = configuration
    }

    // MARK: - opening

    /// Active open; the returned connection is in SYN-SENT (or CLOSED with `error` if no port was free).
    public func connect(to address: IPv4Address, port: UInt16, now: UInt64) -> TCPConnection {
        lastNow = now
        let local = localAddress()
        let localPort = freeEphemeralPort(remote: address, remotePort: port)
        let connection = TCPConnection(layer: self, configuration: configuration, local: local, localPort: localPort,
                                       remote: address, remotePort: port, iss: random(), state: .synSent, now: now)
        connections.append(connection)
        connection.sendSyn()
        return connection
    }

    /// Passive open on `port`; nil if something already listens there.
    public func listen(port: UInt16, backlog: Int = 8) -> TCPListener? {
        listeners.removeAll { !$0.isListening }
        if listeners.contains(where: { $0.port == port }) { return nil }
        let listener = TCPListener(port: port, backlog: backlog)
        listeners.append(listener)
        return listener
    }

    private func freeEphemeralPort(remote: IPv4Address, remotePort: UInt16) -> UInt16 {
        let range = configuration.ephemeralPorts
        let span = UInt32(range.upperBound - range.lowerBound) + 1
        var candidate = range.lowerBound &+ UInt16(truncatingIfNeeded: random() % span)
        var tries: UInt32 = 0
        while tries < span {
            let inUse = connections.contains { $0.localPort == candidate && $0.remotePort == remotePort && $0.remoteAddress == remote }
                || listeners.contains { $0.port == candidate }
            if !inUse { return candidate }
            candidate = candidate == range.upperBound ? range.lowerBound : candidate + 1
            tries += 1
        }
        return candidate
    }

    // MARK: - input

    /// The segments until `endReceiveBatch` arrived together (one interrupt's
    /// worth of frames): in-order data is acknowledged once, at the end, for
    /// up to `configuration.batchAckSegments` segments. Anything that needs an
    /// ACK at once (out of order, a duplicate, a FIN, a full window) still gets it.
    public func beginReceiveBatch() {
        isReceivingBatch = true
    }

    /// Sends the ACKs the batch held back.
    public func endReceiveBatch() {
        isReceivingBatch = false
        for connection in connections where connection.ackAtBatchEnd {
            connection.ackAtBatchEnd = false
            if connection.unackedSegments > 0 { connection.output(ackNow: true) }
        }
    }

    /// One TCP segment from the IP layer (`source`/`destination` from the IPv4 header).
    /// Bad checksums and malformed headers are counted and dropped.
    /// `checksumVerified`: the device already checked the checksum (offload).
    public func receive(segment bytes: UnsafeRawBufferPointer, source: IPv4Address, destination: IPv4Address, now: UInt64,
                        checksumVerified: Bool = false) {
        lastNow = now
        guard checksumVerified || TCPSegment.checksumVerifies(bytes, source: source, destination: destination),
              let segment = TCPSegment.parse(bytes) else {
            malformedSegments += 1
            return
        }
        receive(segment, source: source, destination: destination, now: now)
    }

    public func receive(segment bytes: [UInt8], source: IPv4Address, destination: IPv4Address, now: UInt64) {
        bytes.withUnsafeBytes { receive(segment: $0, source: source, destination: destination, now: now) }
    }

    private func receive(_ segment: TCPSegment, source: IPv4Address, destination: IPv4Address, now: UInt64) {
        if let connection = connections.first(where: {
            $0.state != .closed && $0.localPort == segment.destinationPort && $0.remotePort == segment.sourcePort
                && $0.remoteAddress == source && $0.localAddress == destination
        }) {
            connection.handle(segment, now: now)
            removeClosed()
            return
        }
        if let listener = listeners.first(where: { $0.isListening && $0.port == segment.destinationPort }) {
            passiveOpen(listener, segment, source: source, destination: destination, now: now)
            return
        }
        sendReset(answering: segment, local: destination, remote: source)
    }

    private func passiveOpen(_ listener: TCPListener, _ segment: TCPSegment, source: IPv4Address,
                             destination: IPv4Address, now: UInt64) {
        let flags = segment.flags
        if flags.contains(.rst) { return }
        if flags.contains(.ack) {
            sendReset(answering: segment, local: destination, remote: source)
            return
        }
        guard flags.contains(.syn), listener.hasRoom else { return }  // a full backlog drops the SYN: the peer retries
        let connection = TCPConnection(layer: self, configuration: configuration, local: destination,
                                       localPort: segment.destinationPort, remote: source, remotePort: segment.sourcePort,
                                       iss: random(), state: .synReceived, now: now)
        connection.listener = listener
        listener.embryonic += 1
        connection.irs = segment.sequenceNumber
        connection.rcvNxt = segment.sequenceNumber &+ 1
        connection.offerWindowScale = segment.windowScale != nil
        connection.adoptSynOptions(segment)
        connection.sndWnd = Int(segment.window)
        connection.sndWl1 = segment.sequenceNumber
        connections.append(connection)
        connection.sendSyn()
    }

    /// RST for a segment nobody wants (RFC 9293 §3.10.7.1); never in answer to a RST.
    func sendReset(answering segment: TCPSegment, local: IPv4Address, remote: IPv4Address) {
        if segment.flags.contains(.rst) { return }
        var reset: TCPSegment
        if segment.flags.contains(.ack) {
            reset = TCPSegment(sourcePort: segment.destinationPort, destinationPort: segment.sourcePort,
                               sequenceNumber: segment.acknowledgmentNumber, acknowledgmentNumber: 0, flags: .rst, window: 0)
        } else {
            reset = TCPSegment(sourcePort: segment.destinationPort, destinationPort: segment.sourcePort, sequenceNumber: 0,
                               acknowledgmentNumber: segment.sequenceNumber &+ UInt32(segment.sequenceLength),
                               flags: [.rst, .ack], window: 0)
        }
        resetsSent += 1
        _ = transmit(reset, from: local, to: remote)
    }

    func transmit(_ segment: TCPSegment, from source: IPv4Address, to destination: IPv4Address) -> Bool {
        guard let send else { return false }
        return send(segment.encode(source: source, destination: destination, partialChecksum: partialChecksums),
                    source, destination)
    }

    // MARK: - timers

    /// Runs due timers of every connection. Call every few milliseconds (or at `nextDeadline`).
    public func poll(now: UInt64) {
        lastNow = now
        var index = 0
        while index < connections.count {
            connections[index].poll(now: now)
            index += 1
        }
        removeClosed()
    }

    /// The earliest time `poll` has work to do, for an event loop that sleeps.
    public var nextDeadline: UInt64? {
        var earliest: UInt64? = nil
        for connection in connections {
            for deadline in [connection.retransmitDeadline, connection.persistDeadline,
                             connection.delayedAckDeadline, connection.timeWaitDeadline] {
                if let deadline, earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
            }
        }
        return earliest
    }

    private func removeClosed() {
        var kept: [TCPConnection] = []
        for connection in connections {
            if connection.state == .closed { connection.layer = nil } else { kept.append(connection) }
        }
        if kept.count != connections.count { connections = kept }
    }
}
