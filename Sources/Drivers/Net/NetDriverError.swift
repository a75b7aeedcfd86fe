/// What can go wrong with the virtio-net driver. `message` is one line for the log or the shell.
public enum NetDriverError: Error, Equatable {
    /// Every transmit buffer is in flight; the caller retries later or drops the frame.
    case transmitQueueFull
    /// The frame is empty or longer than `VirtioNet.maximumFrameLength`.
    case frameSize(Int)
    /// The checksum start/offset do not lie within the frame.
    case invalidChecksumOffload(start: Int, offset: Int, frameLength: Int)
    /// The device offers no control queue, or not the feature the command needs.
    case controlUnsupported(String)
    /// The device answered the control command with something other than VIRTIO_NET_OK.
    case controlRejected(String, ack: UInt8)
    /// The device did not answer the control command in time.
    case controlTimeout(String)
    /// A previous control command timed out and the device still holds its buffers.
    case controlBusy
    /// More MAC filter entries than the driver's control buffer holds.
    case tooManyAddresses(Int)
    /// A MAC address that is not 6 bytes.
    case invalidAddress
    /// Setting up the device failed.
    case setup(String)
    /// The device was disabled (nonsense in a used ring, or it asked to be reset).
    case deviceBroken(String)
    /// `shutdown()` was called.
    case stopped

    public var message: String {
        switch self {
        case .transmitQueueFull: return "virtio-net: no free transmit buffer"
        case .frameSize(let length): return "virtio-net: a \(length)-byte frame cannot be sent (1–1514 bytes)"
        case .invalidChecksumOffload(let start, let offset, let length):
            return "virtio-net: checksum at \(start)+\(offset) lies outside a \(length)-byte frame"
        case .controlUnsupported(let what): return "virtio-net: the device does not support " + what
        case .controlRejected(let what, let ack): return "virtio-net: the device refused " + what + " (ack \(ack))"
        case .controlTimeout(let what): return "virtio-net: no answer to " + what + " in time"
        case .controlBusy: return "virtio-net: the control queue still waits for an earlier command"
        case .tooManyAddresses(let count): return "virtio-net: \(count) MAC filter entries are too many"
        case .invalidAddress: return "virtio-net: a MAC address must be 6 bytes"
        case .setup(let reason): return "virtio-net: setup failed: " + reason
        case .deviceBroken(let reason): return "virtio-net: device disabled: " + reason
        case .stopped: return "virtio-net: the device was shut down"
        }
    }
}
