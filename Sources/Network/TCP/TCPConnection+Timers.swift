/// Timer-driven work: retransmission, persist probes, delayed ACKs, TIME-WAIT.
extension TCPConnection {
    func poll(now: UInt64) {
        self.now = now
        if let deadline = timeWaitDeadline, now >= deadline {
            finish(error: nil)
            return
        }
        if let deadline = retransmitDeadline, now >= deadline {
            retransmitDeadline = nil
            retransmissionTimedOut()
            if state == .closed { return }
        }
        if let deadline = persistDeadline, now >= deadline {
            persistDeadline = nil
            sendWindowProbe()
        }
        if let deadline = delayedAckDeadline, now >= deadline {
            delayedAckDeadline = nil
            if state.isSynchronized && state != .synReceived { sendAck() }
        }
    }

    func retransmissionTimedOut() {
        retries += 1
        switch state {
        case .synSent, .synReceived:
            if retries > configuration.synRetries {
                finish(error: listener == nil ? .timedOut : nil)
                return
            }
            roundTrip.backOff()
            rttTiming = false
            sendSyn()
        case .established, .closeWait, .finWait1, .closing, .lastAck:
            if retries > configuration.dataRetries {
                transmit(sequence: sndNxt, flags: [.rst, .ack], payload: [])
                finish(error: .timedOut)
                return
            }
            let flight = seqDistance(from: sndUna, to: sndMax)
            slowStartThreshold = max(flight / 2, 2 * sendMSS)
            congestionWindow = sendMSS
            inFastRecovery = false
            duplicateAcks = 0
            roundTrip.backOff()
            rttTiming = false  // Karn's rule
            sndNxt = sndUna    // go back: resend from the first unacknowledged byte
            output(ackNow: false)
            if sndMax != sndUna && retransmitDeadline == nil && persistDeadline == nil {
                retransmitDeadline = now + retransmissionTimeout
            }
        default:
            break
        }
    }

    /// Zero-window probe: one byte past the closed window; the answer carries the current window.
    func sendWindowProbe() {
        switch state {
        case .established, .closeWait, .finWait1, .closing, .lastAck: break
        default: return
        }
        let offset = seqDistance(from: sendBufferStart, to: sndNxt)
        guard sndWnd == 0, offset >= 0, offset < sendBuffer.count else { return }
        transmit(sequence: sndNxt, flags: [.ack], payload: sendBuffer.copy(offset: offset, length: 1))
        if seqGT(sndNxt &+ 1, sndMax) { sndMax = sndNxt &+ 1 }
        if persistBackoff < 16 { persistBackoff += 1 }
        persistDeadline = now + persistInterval
    }
}
