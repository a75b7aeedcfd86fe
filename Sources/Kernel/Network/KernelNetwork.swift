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
final class Net {
    let driver: KernelNetDriver
    let stack: KernelNetworkStack
    let tcp: TCPLayer
    let events: EventLoop
    let timer: GenericTimer
    private var reportedLease: IPv4Address? = nil
    /// Set with `ifconfig eth0 ADDRESS/BITS`: DHCP stays off, even when the link comes back.
    private(set) var staticAddress = false
    /// The device's receive modes, as last set through the control queue.
    var promiscuous = false
    var allMulticast = false
    static let name = "eth0"
    /// Frames came in or the network ticked (the web server's wake-up).
    var activity: (() -> Void)? = nil
    private var lastReceive: UInt64 = 0

    static func milliseconds() -> UInt64 { GenericTimer.now().nanoseconds / 1_000_000 }

    /// eth0 on the first virtio-net device, if there is one that starts.
    static func start(devices: VirtioDevices, events: EventLoop, timer: GenericTimer, entropy: KernelEntropy,
                      settings: LumenSettings) -> Net? {
        let registry = devices.registry
        guard let (index, transport) = registry.claim(type: DeviceType.network, driver: "net") else { return nil }
        let interrupt = registry.devices[index].interrupt
        // 52:54:00 is QEMU's prefix; used only if the device has no MAC of its own.
        let fallback: [UInt8] = [0x52, 0x54, 0x00, 0x4C, 0x55, 0x4D]
        let driver: KernelNetDriver
        do {
            driver = try KernelNetDriver.create(platform: devices.platform, transport: transport, interrupt: interrupt,
                                                fallbackMAC: fallback, disabled: devices.disabledFeatures)
        } catch {
            devices.reject(index, "virtio-net", error.message)
            return nil
        }
        let net = Net(driver: driver, events: events, timer: timer, entropy: entropy, settings: settings)
        devices.attach(index, features: driver.features) {
            // One interrupt's frames are one receive batch: TCP acknowledges them together.
            net.receiveBatch { driver.handleInterrupt() }
        }
        net.begin()
        return net
    }

    private init(driver: KernelNetDriver, events: EventLoop, timer: GenericTimer, entropy: KernelEntropy,
                 settings: LumenSettings) {
        self.driver = driver
        self.events = events
        self.timer = timer
        let interface = KernelNetInterface(driver: driver)
        let stack = KernelNetworkStack.create(interface: interface, seed: entropy.random32())
        let tcp = TCPLayer(localAddress: { stack.localAddress }, random: { entropy.random32() })
        // `lumen.tcp.batch_ack=N` (2 … 64): segments one ACK may cover within a
        // receive batch, for measuring what batching is worth (2: none).
        if let segments = settings.tcpBatchAck { tcp.configuration.batchAckSegments = segments }
        tcp.send = { segment, _, destination in stack.sendIPv4(protocol: 6, to: destination, payload: segment) }
        tcp.partialChecksums = stack.offloadsChecksums
        self.stack = stack
        self.tcp = tcp
    }

    /// The time of the receive batch under way, read once for all its frames.
    /// Under TCG, QEMU takes its big lock to read the counter, and the lock is
    /// busy with the network backend while frames stream in: a read per frame
    /// (two, with TCP's) cost about a quarter of a download's time.
    private var batchTime: UInt64? = nil
    private var inReceiveBatch = false

    private var receiveTime: UInt64 {
        if let batchTime { return batchTime }
        let now = Net.milliseconds()
        if inReceiveBatch { batchTime = now }
        return now
    }

    /// Runs `work` (the driver taking in what arrived) as one receive batch:
    /// one time for its frames, and TCP acknowledges them together.
    private func receiveBatch(_ work: () -> Void) {
        inReceiveBatch = true
        tcp.beginReceiveBatch()
        work()
        tcp.endReceiveBatch()
        inReceiveBatch = false
        batchTime = nil
    }

    /// The receive path, the receive filter, the tick and DHCP.
    private func begin() {
        stack.tcpReceive = { segment, source, destination, verified in
            self.tcp.receive(segment: segment, source: source, destination: destination, now: self.receiveTime,
                             checksumVerified: verified)
        }
        driver.receive = { frame, checksumVerified in
            self.lastReceive = self.receiveTime
            self.stack.receive(frame: frame, now: self.lastReceive, checksumVerified: checksumVerified)
            self.activity?()
        }
        driver.linkChanged = { up in self.linkChanged(up) }
        if driver.hasControlQueue {
            // QEMU's device starts promiscuous; a host takes only its own
            // frames, broadcasts and the multicast groups it joins (as Linux
            // does when it brings the interface up).
            do {
                try driver.setPromiscuous(false)
                try driver.setAllMulticast(false)
            } catch {
                bootLog(Net.name + ": receive filter left as the device set it: " + error.message)
            }
        }
        bootLog(Net.name + ": virtio-net " + stack.interface.macAddress.description + ", link " + (driver.linkUp ? "up" : "down")
                + (driver.offersChecksumOffload ? ", checksum offload" : ""))
        if driver.linkUp { stack.startDHCP(now: Net.milliseconds()) }
        scheduleTick(afterMilliseconds: 10)
    }

    /// The tick: the stack's timers, TCP's, a poll of the device (in case
    /// an interrupt went missing), the DHCP report, and the web server.
    func tick() {
        let now = Net.milliseconds()
        receiveBatch { driver.poll() }
        stack.poll(now: now)
        tcp.poll(now: now)
        if let lease = stack.dhcpLease, lease.address != reportedLease {
            reportedLease = lease.address
            print("dhcp: \(lease.address)/\(Net.prefixLength(lease.subnetMask)) from \(lease.server)"
                  + (lease.gateway.map { ", gateway \($0)" } ?? "")
                  + (lease.dnsServers.isEmpty ? "" : ", dns " + lease.dnsServers.map { $0.description }.joined(separator: " ")))
        }
        activity?()
        // Every 10 ms while TCP has connections or frames came in during the
        // last second; otherwise when the stack next has work (DHCP's renewal,
        // a pending query's retry), at most every `safetyPollMilliseconds`
        // (a poll finds what a lost interrupt would hide). New work from a
        // command brings the tick forward (`wait` calls `pollSoon`).
        let busy = !tcp.connections.isEmpty || now - min(now, lastReceive) < 1000
        var delay = Net.safetyPollMilliseconds
        if busy {
            delay = 10
        } else if let due = stack.nextDeadline(now: now) {
            delay = min(max(due > now ? due - now : 0, 10), Net.safetyPollMilliseconds)
        }
        scheduleTick(afterMilliseconds: delay)
    }

    /// An idle network polls the device at least this often.
    static let safetyPollMilliseconds: UInt64 = 10_000
    /// When the next tick runs; ticks scheduled before the latest are stale.
    private var nextTickAt: UInt64 = 0
    private var tickGeneration: UInt64 = 0

    private func scheduleTick(afterMilliseconds delay: UInt64) {
        tickGeneration &+= 1
        let generation = tickGeneration
        nextTickAt = Net.milliseconds() + delay
        timer.schedule(afterMilliseconds: delay) {
            if generation == self.tickGeneration { self.tick() }
        }
    }

    /// A command started network work (a query, a ping, a connection, DHCP):
    /// the stack's timers must run soon, not at the idle tick.
    func pollSoon() {
        if nextTickAt > Net.milliseconds() + 10 { scheduleTick(afterMilliseconds: 10) }
    }

    /// A static address (`ifconfig`) or DHCP again (`dhcp`): the next lease is reported.
    func useStaticAddress(_ on: Bool) {
        staticAddress = on
        reportedLease = nil
    }

    func linkChanged(_ up: Bool) {
        print(Net.name + ": link " + (up ? "up" : "down"))
        guard !staticAddress else { return }
        if up {
            reportedLease = nil
            stack.startDHCP(now: Net.milliseconds())
            pollSoon()
        }
    }

    static func prefixLength(_ mask: IPv4Address) -> Int { mask.value.nonzeroBitCount }

    func shutdown() {
        driver.shutdown()
    }

    /// Sleeps until `done` holds, `timeoutMilliseconds` pass, or Ctrl-C; the
    /// calling thread blocks meanwhile (frames, input, the network go on).
    func wait(_ context: inout KernelCommandContext, timeoutMilliseconds: UInt64, until done: () -> Bool) -> Bool {
        let deadline = Net.milliseconds() + timeoutMilliseconds
        pollSoon()
        while true {
            let seen = events.activity
            if done() { return true }
            if context.isInterrupted() || Net.milliseconds() >= deadline { return done() }
            pause(since: seen)
        }
    }

    /// Blocks until the events thread runs a round of handlers (frames came in,
    /// a tick passed), Ctrl-C, or 50 ms; returns at once if a round ran since
    /// `seen`. That check matters: the caller's Ctrl-C check is a preemption
    /// point, where the reply it waits for may have been handled already.
    func pause(since seen: UInt64) {
        _ = events.waitForActivity(since: seen, until: GenericTimer.now().adding(milliseconds: 50), cancellable: true)
    }
}
