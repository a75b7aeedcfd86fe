/// Segment arrival (RFC 9293 §3.10.7).
extension TCPConnection {
    func handle(_ segment: TCPSegment, now: UInt64) {
        self.now = now
        statistics.segmentsReceived += 1
        switch state {
        case .closed, .listen:
            return
        case .synSent:
            handleInSynSent(segment)
        default:
            handleSynchronized(segment)
        }
    }

    /// RST for an unacceptable segment: <SEQ=SEG.ACK><CTL=RST>.
    func sendReset(answering segment: TCPSegment) {
        if segment.flags.contains(.rst) { return }
        layer?.sendReset(answering: segment, local: localAddress, remote: remoteAddress)
    }

    func handleInSynSent(_ segment: TCPSegment) {
        let flags = segment.flags
        if flags.contains(.ack) {
            let ack = segment.acknowledgmentNumber
            if seqLE(ack, iss) || seqGT(ack, sndMax) {
                sendReset(answering: segment)
                return
            }
        }
        if flags.contains(.rst) {
            if flags.contains(.ack) { finish(error: .connectionRefused) }
            return
        }
        guard flags.contains(.syn) else { return }
        irs = segment.sequenceNumber
        rcvNxt = irs &+ 1
        adoptSynOptions(segment)
        sndWnd = Int(segment.window)  // never scaled in a SYN
        sndWl1 = segment.sequenceNumber
        sndWl2 = segment.acknowledgmentNumber
        if flags.contains(.ack) {
            acknowledge(upTo: segment.acknowledgmentNumber)
            state = finQueued ? .finWait1 : .established
            output(ackNow: true)
        } else {
            // Simultaneous open: answer with SYN-ACK from the same ISS.
            state = .synReceived
            retransmitDeadline = nil
            retries = 0
            sendSyn()
        }
    }

    func isAcceptable(_ segment: TCPSegment) -> Bool {
        let length = segment.sequenceLength
        let window = receiveBuffer.free
        let seq = segment.sequenceNumber
        let windowEnd = rcvNxt &+ UInt32(window)
        if length == 0 {
            if window == 0 { return seq == rcvNxt }
            return seqGE(seq, rcvNxt) && seqLT(seq, windowEnd)
        }
        if window == 0 {
            // Zero window: still take ACKs (and answer probes) from the segment at RCV.NXT.
            return seq == rcvNxt
        }
        let last = seq &+ UInt32(length - 1)
        return (seqGE(seq, rcvNxt) && seqLT(seq, windowEnd)) || (seqGE(last, rcvNxt) && seqLT(last, windowEnd))
    }

    func handleSynchronized(_ segment: TCPSegment) {
        let flags = segment.flags
        let seq = segment.sequenceNumber
        // The peer retransmitted its SYN because our SYN-ACK got lost.
        if state == .synReceived && flags.contains(.syn) && !flags.contains(.ack) && seq == irs {
            transmit(sequence: iss, flags: [.syn, .ack], payload: [], synOptions: true)
            return
        }
        // 1. Sequence check.
        if !isAcceptable(segment) {
            if !flags.contains(.rst) {
                statistics.duplicateSegmentsReceived += 1
                if state == .timeWait && flags.contains(.fin) { enterTimeWait() }
                sendAck()
            }
            return
        }
        // 2. RST: only exactly at RCV.NXT resets; elsewhere in the window earns a challenge ACK (RFC 5961).
        if flags.contains(.rst) {
            if seq != rcvNxt { sendAck(); return }
            switch state {
            case .synReceived:
                finish(error: listener == nil ? .connectionRefused : nil)
            case .established, .finWait1, .finWait2, .closeWait:
                finish(error: .connectionReset)
            default:
                finish(error: nil)
            }
            return
        }
        // 3. A SYN in a synchronized state: challenge ACK.
        if flags.contains(.syn) {
            sendAck()
            return
        }
        // 4. ACK.
        guard flags.contains(.ack) else { return }
        let ack = segment.acknowledgmentNumber
        if state == .synReceived {
            guard seqGT(ack, iss) && seqLE(ack, sndMax) else {
                sendReset(answering: segment)
                return
            }
            state = .established
            sndWnd = Int(segment.window) << Int(sendWindowShift)
            sndWl1 = seq
            sndWl2 = ack
            if let listener {
                listener.embryonic = max(0, listener.embryonic - 1)
                self.listener = nil
                guard listener.isListening else {
                    abort()  // nobody will ever accept it
                    return
                }
                listener.acceptQueue.append(self)
            }
            if finQueued { state = .finWait1 }
        }
        if seqGT(ack, sndMax) {
            sendAck()
            return
        }
        let advertised = Int(segment.window) << Int(sendWindowShift)
        if seqGT(ack, sndUna) {
            acknowledge(upTo: ack)
        } else if ack == sndUna && segment.payload.isEmpty && !flags.contains(.fin)
                    && advertised == sndWnd && sndWnd > 0 && sndMax != sndUna && persistDeadline == nil {
            duplicateAck()
        }
        if seqLT(sndWl1, seq) || (sndWl1 == seq && seqLE(sndWl2, ack)) {
            sndWnd = advertised
            sndWl1 = seq
            sndWl2 = ack
        }
        if finQueued && !finAcked && seqGT(sndUna, finSequence) { finAcked = true }
        switch state {
        case .finWait1 where finAcked:
            state = .finWait2
        case .closing where finAcked:
            enterTimeWait()
        case .lastAck where finAcked:
            finish(error: nil)
            return
        default:
            break
        }
        // 5. Data.
        var ackNow = false
        if !segment.payload.isEmpty {
            switch state {
            case .established, .finWait1, .finWait2:
                ackNow = acceptData(segment)
            default:
                break
            }
        }
        // 6. FIN.
        if flags.contains(.fin) && peerFinSequence == nil && !peerFinReceived {
            let finAt = seq &+ UInt32(segment.payload.count)
            let offset = seqDistance(from: rcvNxt, to: finAt)
            if offset >= 0 && offset <= receiveBuffer.free { peerFinSequence = finAt }
        }
        if let finAt = peerFinSequence, finAt == rcvNxt, !peerFinReceived {
            rcvNxt = rcvNxt &+ 1
            peerFinReceived = true
            peerFinSequence = nil
            ackNow = true
            switch state {
            case .synReceived, .established:
                state = .closeWait
            case .finWait1:
                if finAcked { enterTimeWait() } else { state = .closing }
            case .finWait2:
                enterTimeWait()
            default:
                break
            }
        }
        output(ackNow: ackNow)
        if !ackNow && unackedSegments > 0 && delayedAckDeadline == nil && state.isSynchronized {
            delayedAckDeadline = now + UInt64(configuration.delayedAckTimeout)
        }
    }

    /// Stores in-window data; returns whether an ACK must go out at once.
    func acceptData(_ segment: TCPSegment) -> Bool {
        var data = segment.payload
        var seq = segment.sequenceNumber
        if seqLT(seq, rcvNxt) {
            let skip = seqDistance(from: seq, to: rcvNxt)
            if skip >= data.count {
                statistics.duplicateSegmentsReceived += 1
                return true
            }
            data.removeFirst(skip)
            seq = rcvNxt
        }
        let room = seqDistance(from: seq, to: rcvNxt &+ UInt32(receiveBuffer.free))
        if room <= 0 { return true }
        if data.count > room { data.removeLast(data.count - room) }
        if seq != rcvNxt {
            statistics.outOfOrderSegmentsReceived += 1
            quickAcks = configuration.batchAckSegments
            reassembly.insert(sequence: seq, bytes: data)
            return true  // duplicate ACK tells the sender about the hole
        }
        let taken = receiveBuffer.append(data)
        rcvNxt = rcvNxt &+ UInt32(taken)
        statistics.bytesReceived += taken
        var filledHole = false
        while let more = reassembly.takeContiguous(at: rcvNxt) {
            let n = receiveBuffer.append(more)
            rcvNxt = rcvNxt &+ UInt32(n)
            statistics.bytesReceived += n
            filledHole = true
        }
        if filledHole || !reassembly.isEmpty { return true }
        unackedSegments += 1
        // ACK every second full-sized segment at once (RFC 9293 §3.8.6.3);
        // otherwise delay. Inside a receive batch (frames the device handed
        // over together) the ACK waits for the batch's end instead, so a burst
        // costs one ACK rather than one per two segments, as with Linux's
        // GRO; the wait is the batch's processing, never a timer.
        if quickAcks > 0 {
            quickAcks -= 1
        } else if unackedSegments >= 2 && layer?.isReceivingBatch == true && unackedSegments < configuration.batchAckSegments {
            ackAtBatchEnd = true
            return false
        }
        return unackedSegments >= 2
    }

    /// SND.UNA advances to `ack`: drop acknowledged bytes, sample the RTT, grow the window.
    func acknowledge(upTo ack: UInt32) {
        var acked = seqDistance(from: sndUna, to: ack)
        guard acked > 0 else { return }
        if rttTiming && seqGE(ack, rttSequence) {
            roundTrip.addSample(Int(truncatingIfNeeded: now &- rttStartedAt))
            rttTiming = false
        }
        var remaining = acked
        let synWasOutstanding = !synAcknowledged
        if synWasOutstanding {
            remaining -= 1
            acked -= 1  // the SYN is not data: it must not grow the congestion window
        }
        let dataBytes = min(remaining, sendBuffer.count)
        if dataBytes > 0 { sendBuffer.removeFirst(dataBytes) }
        remaining -= dataBytes
        if remaining > 0 && finQueued { finAcked = true }
        sndUna = ack
        if seqLT(sndNxt, sndUna) { sndNxt = sndUna }
        if seqGT(sndUna, sndMax) { sndMax = sndUna }
        retries = 0
        // Congestion window.
        if inFastRecovery {
            if seqGE(ack, recoveryPoint) {
                inFastRecovery = false
                congestionWindow = max(slowStartThreshold, sendMSS)
            } else {
                // Partial ACK: the next hole is lost too.
                retransmitFirst()
                congestionWindow = max(congestionWindow - acked + sendMSS, sendMSS)
            }
        } else if congestionWindow < slowStartThreshold {
            congestionWindow += min(acked, sendMSS)
        } else {
            congestionWindow += max(1, sendMSS * sendMSS / max(1, congestionWindow))
        }
        congestionWindow = min(congestionWindow, 4 * configuration.bufferSize)
        duplicateAcks = 0
        if sndUna == sndMax {
            retransmitDeadline = nil
        } else if !inFastRecovery || retransmitDeadline == nil {
            retransmitDeadline = now + retransmissionTimeout
        }
    }

    func duplicateAck() {
        duplicateAcks += 1
        if duplicateAcks == 3 && !inFastRecovery {
            let flight = seqDistance(from: sndUna, to: sndMax)
            slowStartThreshold = max(flight / 2, 2 * sendMSS)
            recoveryPoint = sndMax
            inFastRecovery = true
            statistics.fastRetransmissions += 1
            retransmitFirst()
            congestionWindow = slowStartThreshold + 3 * sendMSS
        } else if duplicateAcks > 3 && inFastRecovery {
            congestionWindow += sendMSS  // each dup ACK means a segment left the network
        }
    }
}
