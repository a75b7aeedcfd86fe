/// What the stack needs from a network device (virtio-net in the kernel, a
/// scripted peer in tests). Class-bound so the stack can hold it without copying.
public protocol NetworkInterface: AnyObject {
    var macAddress: MACAddress { get }
    /// Largest IPv4 datagram (Ethernet payload) the device carries, normally 1500.
    var mtu: Int { get }
    /// Queues one whole Ethernet frame; false when the device could not take it.
    func transmit(_ frame: [UInt8]) -> Bool
}
