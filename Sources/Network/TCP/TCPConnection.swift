/// One end of a TCP connection (RFC 9293). Single-threaded and non-blocking:
/// the application calls `send`/`receive`/`close`, the owning `TCPLayer` feeds
/// segments and timer ticks in. Times are milliseconds from the layer's clock.
public final class TCPConnection {
    public let localAddress: IPv4Address
    public let localPort: UInt16
    public let remoteAddress: IPv4Address
    public let remotePort: UInt16
    public internal(set) var state: TCPState
    /// Why the connection ended abnormally (nil while fine, or after an orderly close or `abort()`).
    public internal(set) var error: TCPError?
    public internal(set) var statistics = TCPStatistics()

    /// The layer that transmits for us; nil once the layer forgot us (breaks the reference cycle).
    var layer: TCPLayer?
    /// Set for passive opens until the handshake completes and we join its accept queue.
    var listener: TCPListener?
    let configuration: TCPConfiguration
    var now: UInt64

    // MARK: send sequence space
    let iss: UInt32
    var sndUna: UInt32
    var sndNxt: UInt32
    /// Highest sequence number sent so far: after a timeout rewinds `sndNxt`, ACKs up to here are still valid.
    var sndMax: UInt32
    var sndWnd = 0
    var sndWl1: UInt32 = 0
    var sndWl2: UInt32 = 0
    var sendBuffer: TCPByteRing
    var finQueued = false
    var finAcked = false
    /// The most payload we put in one segment: min(ours, theirs).
    public internal(set) var sendMSS: Int
    /// Shift applied to the peer's window fields / to ours (0 unless both SYNs carried the option).
    public internal(set) var sendWindowShift: UInt8 = 0
    public internal(set) var receiveWindowShift: UInt8 = 0
    var offerWindowScale: Bool

    // MARK: congestion control (RFC 5681, NewReno-style recovery from RFC 6582)
    public internal(set) var congestionWindow: Int
    var slowStartThreshold = 1 << 30
    var duplicateAcks = 0
    var recoveryPoint: UInt32 = 0
    var inFastRecovery = false

    // MARK: timers
    var roundTrip = TCPRoundTripEstimator()
    var rttSequence: UInt32 = 0
    var rttStartedAt: UInt64 = 0
    var rttTiming = false
    var retransmitDeadline: UInt64?
    var retries = 0
    var persistDeadline: UInt64?
    var persistBackoff = 0
    var delayedAckDeadline: UInt64?
    var unackedSegments = 0
    /// Data arrived inside a receive batch: acknowledge it when the batch ends.
    var ackAtBatchEnd = false
    /// In-order segments still to acknowledge the ordinary way after a loss
    /// (Linux's quick-ACK mode): a sender recovering from loss grows its window
    /// per ACK, so it gets every ACK it would without batching.
    var quickAcks = 0
    var timeWaitDeadline: UInt64?

    // MARK: receive sequence space
    var irs: UInt32 = 0
    var rcvNxt: UInt32 = 0
    var receiveBuffer: TCPByteRing
    var reassembly: TCPReassemblyQueue
    var peerFinSequence: UInt32?
    var peerFinReceived = false
    var advertisedRightEdge: UInt32 = 0

    init(layer: TCPLayer, configuration: TCPConfiguration, local: IPv4Address, localPort: UInt16,
         remote: IPv4Address, remotePort: UInt16, iss: UInt32, state: TCPState, now: UInt64) {
        self.layer = layer
        self.configuration = configuration
        localAddress = local
        self.localPort = localPort
        remoteAddress = remote
        self.remotePort = remotePort
        self.iss = iss
        self.state = state
        self.now = now
        sndUna = iss
        sndNxt = iss
        sndMax = iss
        sendBuffer = TCPByteRing(capacity: configuration.bufferSize)
        receiveBuffer = TCPByteRing(capacity: configuration.bufferSize)
        reassembly = TCPReassemblyQueue(maximumSegments: configuration.reassemblySegments)
        sendMSS = min(536, configuration.ourMSS)
        congestionWindow = 4 * min(536, configuration.ourMSS)
        offerWindowScale = state == .synSent
    }

    // MARK: - application interface

    /// Queues up to the free send-buffer space; returns how many bytes were taken.
    public func send(_ bytes: [UInt8]) -> Int {
        switch state {
        case .synSent, .synReceived, .established, .closeWait: break
        default: return 0
        }
        if finQueued { return 0 }
        let taken = sendBuffer.append(bytes)
        if taken > 0 { output(ackNow: false) }
        return taken
    }

    /// Takes up to `maximum` received in-order bytes.
    public func receive(maximum: Int) -> [UInt8] {
        let bytes = receiveBuffer.copy(offset: 0, length: maximum)
        receiveBuffer.removeFirst(bytes.count)
        if !bytes.isEmpty && state.isSynchronized && !peerFinReceived && layer != nil {
            // Tell the peer about the space we just freed if it is worth a segment
            // (receiver-side silly-window avoidance, RFC 9293 §3.8.6.2.2).
            let edge = rcvNxt &+ (UInt32(windowField(forSyn: false)) << UInt32(receiveWindowShift))
            let grown = seqDistance(from: advertisedRightEdge, to: edge)
            if grown >= min(receiveBuffer.capacity / 2, 2 * configuration.ourMSS) { sendAck() }
        }
        return bytes
    }

    public var availableBytes: Int { receiveBuffer.count }
    /// Space left in the send buffer.
    public var writableBytes: Int { sendBuffer.free }
    /// A `receive` would return data, or the stream ended (FIN read, reset, closed).
    public var isReadable: Bool { availableBytes > 0 || peerFinReceived || state == .closed }
    public var isWritable: Bool {
        (state == .established || state == .closeWait) && !finQueued && sendBuffer.free > 0
    }
    /// The peer sent FIN and every byte before it has been read.
    public var isFinishedReceiving: Bool { peerFinReceived && receiveBuffer.isEmpty }
    /// Bytes accepted by `send` but not yet acknowledged.
    public var unacknowledgedBytes: Int { sendBuffer.count }

    /// Orderly close: FIN goes out after all queued data.
    public func close() {
        switch state {
        case .synSent:
            finish(error: nil)
        case .synReceived:
            finQueued = true  // FIN follows once the handshake completes
        case .established:
            finQueued = true
            state = .finWait1
            output(ackNow: false)
        case .closeWait:
            finQueued = true
            state = .lastAck
            output(ackNow: false)
        default:
            break
        }
    }

    /// Abortive close: RST to the peer, everything queued is discarded.
    public func abort() {
        if state.isSynchronized && state != .timeWait {
            transmit(sequence: sndNxt, flags: [.rst, .ack], payload: [])
        }
        sendBuffer.removeFirst(sendBuffer.count)
        finish(error: nil)
    }

    // MARK: - sequence helpers

    var synAcknowledged: Bool { seqGT(sndUna, iss) }
    /// Sequence number of the first byte in the send buffer.
    var sendBufferStart: UInt32 { synAcknowledged ? sndUna : iss &+ 1 }
    var finSequence: UInt32 { sendBufferStart &+ UInt32(sendBuffer.count) }

    var retransmissionTimeout: UInt64 { UInt64(roundTrip.timeout) }

    /// The window field we send, and the right edge it promises.
    func windowField(forSyn: Bool) -> UInt16 {
        let free = receiveBuffer.free
        if forSyn { return UInt16(min(free, 65535)) }
        return UInt16(min(free >> Int(receiveWindowShift), 65535))
    }

    // MARK: - output

    func transmit(sequence: UInt32, flags: TCPFlags, payload: [UInt8], synOptions: Bool = false) {
        guard let layer else { return }
        let isSyn = flags.contains(.syn)
        let window = windowField(forSyn: isSyn)
        var segment = TCPSegment(sourcePort: localPort, destinationPort: remotePort, sequenceNumber: sequence,
                                 acknowledgmentNumber: flags.contains(.ack) ? rcvNxt : 0, flags: flags,
                                 window: window, payload: payload)
        if synOptions {
            segment.maximumSegmentSize = UInt16(min(configuration.ourMSS, 65535))
            if offerWindowScale { segment.windowScale = configuration.windowScaleShift }
        }
        if flags.contains(.ack) {
            let shift = isSyn ? 0 : Int(receiveWindowShift)
            advertisedRightEdge = rcvNxt &+ (UInt32(window) << UInt32(shift))
            delayedAckDeadline = nil
            unackedSegments = 0
        }
        statistics.segmentsSent += 1
        if seqLT(sequence, sndMax) && segment.sequenceLength > 0 { statistics.retransmissions += 1 }
        _ = layer.transmit(segment, from: localAddress, to: remoteAddress)
    }

    func sendAck() { transmit(sequence: sndNxt, flags: .ack, payload: []) }

    func sendSyn() {
        let flags: TCPFlags = state == .synSent ? .syn : [.syn, .ack]
        transmit(sequence: iss, flags: flags, payload: [], synOptions: true)
        sndNxt = iss &+ 1
        if seqGT(sndNxt, sndMax) { sndMax = sndNxt }
        if retransmitDeadline == nil { retransmitDeadline = now + retransmissionTimeout }
        if retries == 0 && !rttTiming { rttTiming = true; rttSequence = sndNxt; rttStartedAt = now }
    }

    /// Sends whatever the windows allow (data, then FIN), or at least an ACK when `ackNow`.
    func output(ackNow: Bool) {
        var sent = false
        switch state {
        case .established, .closeWait, .finWait1, .closing, .lastAck:
            let start = sendBufferStart
            while true {
                let offset = seqDistance(from: start, to: sndNxt)
                let unsent = sendBuffer.count - offset
                let inFlight = seqDistance(from: sndUna, to: sndNxt)
                let usable = min(sndWnd, congestionWindow) - inFlight
                let finDue = finQueued && !finAcked && (state == .finWait1 || state == .lastAck || state == .closing)
                if unsent > 0 {
                    if usable <= 0 { break }
                    let length = min(unsent, usable, sendMSS)
                    // Sender-side silly-window avoidance: wait for ACKs rather than dribble.
                    if length < sendMSS && length < unsent && inFlight > 0 { break }
                    let withFin = finDue && length == unsent
                    let payload = sendBuffer.copy(offset: offset, length: length)
                    let isNew = seqGE(sndNxt, sndMax)
                    transmit(sequence: sndNxt, flags: withFin ? [.ack, .psh, .fin] : [.ack, .psh], payload: payload)
                    if isNew {
                        statistics.bytesSent += length
                        if !rttTiming { rttTiming = true; rttSequence = sndNxt &+ UInt32(length); rttStartedAt = now }
                    }
                    sndNxt = sndNxt &+ UInt32(length + (withFin ? 1 : 0))
                    sent = true
                } else if unsent == 0 && finDue {
                    transmit(sequence: sndNxt, flags: [.ack, .fin], payload: [])
                    sndNxt = sndNxt &+ 1
                    sent = true
                    break
                } else {
                    break
                }
                if seqGT(sndNxt, sndMax) { sndMax = sndNxt }
            }
            if seqGT(sndNxt, sndMax) { sndMax = sndNxt }
            // Zero window with data waiting and nothing in flight: probe later (persist timer).
            let pending = sendBuffer.count - seqDistance(from: start, to: sndNxt)
            if sndWnd == 0 && pending > 0 && sndNxt == sndUna {
                if persistDeadline == nil {
                    retransmitDeadline = nil
                    persistDeadline = now + persistInterval
                }
            } else if sndWnd > 0 {
                persistDeadline = nil
                persistBackoff = 0
            }
            if sndMax != sndUna && retransmitDeadline == nil && persistDeadline == nil {
                retransmitDeadline = now + retransmissionTimeout
            }
        default:
            break
        }
        if !sent && ackNow && state.isSynchronized && state != .synReceived { sendAck() }
    }

    var persistInterval: UInt64 {
        var interval = max(roundTrip.timeout, TCPRoundTripEstimator.minimumTimeout)
        var i = 0
        while i < persistBackoff && interval < TCPRoundTripEstimator.maximumTimeout { interval *= 2; i += 1 }
        return UInt64(min(interval, TCPRoundTripEstimator.maximumTimeout))
    }

    /// Resends the first unacknowledged segment (fast retransmit, partial ACKs).
    func retransmitFirst() {
        let length = min(sendBuffer.count, sendMSS)
        if length > 0 {
            let withFin = finQueued && length == sendBuffer.count && seqGT(sndMax, finSequence)
            transmit(sequence: sndUna, flags: withFin ? [.ack, .psh, .fin] : [.ack, .psh],
                     payload: sendBuffer.copy(offset: 0, length: length))
        } else if finQueued && !finAcked && seqGT(sndMax, finSequence) {
            transmit(sequence: finSequence, flags: [.ack, .fin], payload: [])
        }
        rttTiming = false  // Karn: no samples from retransmitted data
        retransmitDeadline = now + retransmissionTimeout
    }

    // MARK: - teardown

    func finish(error: TCPError?) {
        if let error, self.error == nil { self.error = error }
        if let listener {
            listener.embryonic = max(0, listener.embryonic - 1)
            self.listener = nil
        }
        state = .closed
        retransmitDeadline = nil
        persistDeadline = nil
        delayedAckDeadline = nil
        timeWaitDeadline = nil
        reassembly.removeAll()
        if error != nil {
            // A reset or timeout makes queued data meaningless.
            receiveBuffer.removeFirst(receiveBuffer.count)
            sendBuffer.removeFirst(sendBuffer.count)
        }
    }

    func enterTimeWait() {
        state = .timeWait
        retransmitDeadline = nil
        persistDeadline = nil
        timeWaitDeadline = now + UInt64(2 * configuration.maximumSegmentLifetime)
    }

    /// Applies the peer's SYN options.
    func adoptSynOptions(_ segment: TCPSegment) {
        sendMSS = max(1, min(configuration.ourMSS, Int(segment.maximumSegmentSize ?? 536)))
        if let shift = segment.windowScale, offerWindowScale {
            sendWindowShift = min(shift, 14)
            receiveWindowShift = min(configuration.windowScaleShift, 14)
        } else {
            offerWindowScale = false
            sendWindowShift = 0
            receiveWindowShift = 0
        }
        // RFC 5681 initial window.
        congestionWindow = sendMSS > 2190 ? 2 * sendMSS : (sendMSS > 1095 ? 3 * sendMSS : 4 * sendMSS)
    }
}
