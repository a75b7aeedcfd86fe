import Shell
import Drivers
import Network
import Platform
import VirtIO

typealias KernelNetDriver = VirtioNet<KernelPlatform, KernelTransport>

/// The stack's view of the virtio-net device: frames out through the driver.
final class KernelNetInterface: NetworkInterface {
    let driver: KernelNetDriver
    let macAddress: MACAddress

    init(driver: KernelNetDriver) {
        self.driver = driver
        let mac = driver.macAddress
        macAddress = MACAddress(mac[0], mac[1], mac[2], mac[3], mac[4], mac[5])
    }

    var mtu: Int { 1500 }

    func transmit(_ frame: [UInt8]) -> Bool { send(frame, checksumOffload: nil) }

    /// VIRTIO_NET_F_CSUM: the device finishes TCP and UDP checksums.
    var offloadsChecksums: Bool { driver.offersChecksumOffload }

    func transmit(_ frame: [UInt8], checksumOffload: ChecksumOffload) -> Bool {
        send(frame, checksumOffload: (start: checksumOffload.start, offset: checksumOffload.offset))
    }

    /// The driver's errors (a full ring, a broken device) are the stack's `false`.
    private func send(_ frame: [UInt8], checksumOffload: (start: Int, offset: Int)?) -> Bool {
        do { try driver.send(frame: frame, checksumOffload: checksumOffload) } catch { return false }
        return true
    }
}

typealias KernelNetworkStack = NetworkStack<KernelNetInterface>

/// eth0: the first virtio-net device, the IPv4 stack over it and TCP over
/// that. Frames come in from the device's interrupt; a tick (10 ms while busy,
/// 250 ms when idle) drives the stack's and TCP's timers (retransmission, ARP,
/// DHCP renewal) and the background `httpd`. DHCP starts at boot and again
/// when the link comes back.
enum Net {
    static var driver: KernelNetDriver? = nil
    static var stack: KernelNetworkStack? = nil
    static var tcp: TCPLayer? = nil
    static var reportedLease: IPv4Address? = nil
    /// Set with `ifconfig eth0 ADDRESS/BITS`: DHCP stays off, even when the link comes back.
    static var staticAddress = false
    /// The device's receive modes, as last set through the control queue.
    static var promiscuous = false
    static var allMulticast = false
    static let name = "eth0"

    static func milliseconds() -> UInt64 { GenericTimer.now().nanoseconds / 1_000_000 }

    static func random32() -> UInt32 {
        var value: UInt32 = 0
        withUnsafeMutableBytes(of: &value) { KernelEntropy.fill($0) }
        return value
    }

    static func start(_ registry: DeviceRegistry<KernelPlatform>) {
        guard let (index, transport) = registry.claim(type: DeviceType.network, driver: "net") else { return }
        let interrupt = registry.devices[index].interrupt
        // 52:54:00 is QEMU's prefix; used only if the device has no MAC of its own.
        let fallback: [UInt8] = [0x52, 0x54, 0x00, 0x4C, 0x55, 0x4D]
        let driver: KernelNetDriver
        do {
            driver = try KernelNetDriver.create(platform: Kernel.platform, transport: transport, interrupt: interrupt,
                                                fallbackMAC: fallback, disabled: VirtioDevices.disabledFeatures)
        } catch {
            VirtioDevices.reject(registry, index, "virtio-net", error.message)
            return
        }
        let interface = KernelNetInterface(driver: driver)
        let stack = KernelNetworkStack.create(interface: interface, seed: random32())
        let tcp = TCPLayer(localAddress: { stack.localAddress }, random: { random32() })
        // `lumen.tcp.batch_ack=N` (2 … 64): segments one ACK may cover within a
        // receive batch, for measuring what batching is worth (2: none).
        if let segments = Kernel.settings.tcpBatchAck { tcp.configuration.batchAckSegments = segments }
        tcp.send = { segment, _, destination in stack.sendIPv4(protocol: 6, to: destination, payload: segment) }
        tcp.partialChecksums = stack.offloadsChecksums
        stack.tcpReceive = { segment, source, destination, verified in
            tcp.receive(segment: segment, source: source, destination: destination, now: milliseconds(),
                        checksumVerified: verified)
        }
        driver.receive = { frame, checksumVerified in
            lastReceive = milliseconds()
            stack.receive(frame: frame, now: lastReceive, checksumVerified: checksumVerified)
            if HTTPServer.isRunning { postServe() }
        }
        driver.linkChanged = { up in linkChanged(up) }
        VirtioDevices.attach(registry, index, features: driver.features) {
            // One interrupt's frames are one receive batch: TCP acknowledges them together.
            tcp.beginReceiveBatch()
            driver.handleInterrupt()
            tcp.endReceiveBatch()
        }
        if driver.hasControlQueue {
            // QEMU's device starts promiscuous; a host takes only its own
            // frames, broadcasts and the multicast groups it joins (as Linux
            // does when it brings the interface up).
            do {
                try driver.setPromiscuous(false)
                try driver.setAllMulticast(false)
            } catch {
                bootLog(name + ": receive filter left as the device set it: " + error.message)
            }
        }
        self.driver = driver
        self.stack = stack
        self.tcp = tcp
        bootLog(name + ": virtio-net " + interface.macAddress.description + ", link " + (driver.linkUp ? "up" : "down")
                + (driver.offersChecksumOffload ? ", checksum offload" : ""))
        GenericTimer.schedule(afterMilliseconds: 10) { tick() }
        if driver.linkUp { stack.startDHCP(now: milliseconds()) }
    }

    /// The 10 ms tick: the stack's timers, TCP's, a poll of the device (in case
    /// an interrupt went missing), the DHCP report, and the web server.
    static func tick() {
        guard let stack, let tcp, let driver else { return }
        let now = milliseconds()
        tcp.beginReceiveBatch()
        driver.poll()
        tcp.endReceiveBatch()
        stack.poll(now: now)
        tcp.poll(now: now)
        if let lease = stack.dhcpLease, lease.address != reportedLease {
            reportedLease = lease.address
            print("dhcp: \(lease.address)/\(prefixLength(lease.subnetMask)) from \(lease.server)"
                  + (lease.gateway.map { ", gateway \($0)" } ?? "")
                  + (lease.dnsServers.isEmpty ? "" : ", dns " + lease.dnsServers.map { $0.description }.joined(separator: " ")))
        }
        if HTTPServer.isRunning { postServe() }
        // Every 10 ms while TCP has connections or frames came in during the
        // last second; otherwise 4 times a second (ARP, DHCP and DNS timers
        // count in seconds), so an idle machine stays idle.
        let busy = !tcp.connections.isEmpty || now - min(now, lastReceive) < 1000
        GenericTimer.schedule(afterMilliseconds: busy ? 10 : 250) { tick() }
    }

    static var lastReceive: UInt64 = 0

    /// The web server reads the disks on a thread of its own (it waits for
    /// them, and the events thread must not).
    static func postServe() {
        HTTPServer.wake()
    }

    static func linkChanged(_ up: Bool) {
        print(name + ": link " + (up ? "up" : "down"))
        guard let stack, !staticAddress else { return }
        if up {
            reportedLease = nil
            stack.startDHCP(now: milliseconds())
        }
    }

    static func prefixLength(_ mask: IPv4Address) -> Int { mask.value.nonzeroBitCount }

    static func shutdown() {
        driver?.shutdown()
    }

    /// Sleeps until `done` holds, `timeoutMilliseconds` pass, or Ctrl-C; the
    /// calling thread blocks meanwhile (frames, input, the network go on).
    static func wait(_ context: inout KernelCommandContext, timeoutMilliseconds: UInt64, until done: () -> Bool) -> Bool {
        let deadline = milliseconds() + timeoutMilliseconds
        while true {
            let seen = EventLoop.activity
            if done() { return true }
            if context.isInterrupted() || milliseconds() >= deadline { return done() }
            pause(since: seen)
        }
    }

    /// Blocks until the events thread runs a round of handlers (frames came in,
    /// a tick passed), Ctrl-C, or 50 ms; returns at once if a round ran since
    /// `seen`. That check matters: the caller's Ctrl-C check is a preemption
    /// point, where the reply it waits for may have been handled already.
    static func pause(since seen: UInt64) {
        _ = EventLoop.waitForActivity(since: seen, until: GenericTimer.now().adding(milliseconds: 50), cancellable: true)
    }
}
