import Platform
import VirtIO
import Wire

/// virtio-net (VirtIO 1.2 §5.1) on virtio-mmio, legacy and modern: one receive
/// queue, one transmit queue and, when offered, the control queue.
///
/// Receive: a pool of fixed 2 KiB DMA buffers stays posted on queue 0. Completions
/// (from `handleInterrupt`, or `poll` when there is no interrupt) are handed to
/// `receive` — in place for a frame in one buffer, joined in a scratch area when
/// MRG_RXBUF spread it over several — and each buffer is re-posted at once, so the
/// pool refills from the interrupt path. A completion shorter than the header, a
/// `num_buffers` of 0 or more than the pool, or a frame larger than the scratch
/// area is counted in `statistics.receive.errors` and dropped; it never traps.
///
/// Transmit: a ring of preallocated DMA buffers (header + up to 1514 bytes). `send`
/// copies the frame, asks the device for the checksum (NEEDS_CSUM) when it offers
/// CSUM — or computes it itself when it does not — kicks, and never blocks: with
/// every buffer in flight (after reclaiming finished ones) it throws
/// `.transmitQueueFull`.
///
/// Control: promiscuous / all-multicast / MAC filter table / MAC address, each
/// synchronous with a timeout and its ack byte checked.
///
/// A used ring with nonsense in it, or DEVICE_NEEDS_RESET, disables the driver: the
/// device is reset (so it no longer touches the buffers) and every later call
/// throws `.deviceBroken`. Single-threaded: call it from the event loop only.
public final class VirtioNet<P: Platform, T: VirtioTransport> {
    /// Features Lumen's network driver can use.
    public static var supportedFeatures: Features {
        [.netChecksum, .netGuestChecksum, .netMAC, .netMergeableReceiveBuffers, .netStatus, .netControlQueue,
         .netControlReceiveMode, .netControlMACAddress, .anyLayout, .ringIndirectDescriptors, .ringEventIndex, .version1]
    }
    /// Longest frame `send` takes (Ethernet header + 1500-byte MTU, no FCS).
    public static var maximumFrameLength: Int { 1514 }
    /// One receive or transmit buffer: the header, a whole frame and a VLAN tag fit.
    public static var bufferBytes: Int { 2048 }
    /// Room for a frame joined from several mergeable buffers.
    static var assemblyBytes: Int { 16384 }
    /// Most entries in each of the two MAC filter tables.
    public static var maximumFilterAddresses: Int { 64 }
    static var controlAreaBytes: Int { 4096 }
    static var controlDataOffset: Int { 16 }
    static var ackNotWritten: UInt8 { 0xff }
    /// Bounds the work of one `poll` under a flood (the next interrupt continues).
    static var receivePassesPerCall: Int { 4 }

    public let platform: P
    public let transport: T
    public let interrupt: Int?
    public let features: Features
    /// Bytes of `virtio_net_hdr` in front of every frame (10 or 12).
    public let headerLength: Int
    public private(set) var macAddress: [UInt8]
    /// Without VIRTIO_NET_F_STATUS the link is assumed up.
    public private(set) var linkUp: Bool
    public private(set) var statistics = NetStatistics()
    public private(set) var brokenReason: String? = nil
    public private(set) var stopped = false
    /// Called for every received frame with its bytes (valid only during the call)
    /// and whether the device vouches for its checksums. Set it before traffic flows.
    public var receive: ((UnsafeRawBufferPointer, Bool) -> Void)? = nil
    /// Called with the new link state when a configuration interrupt changes it.
    public var linkChanged: ((Bool) -> Void)? = nil
    /// How long a control command may go unanswered.
    public var controlTimeoutMilliseconds: UInt64 = 1000

    /// Whether `send` can leave the checksum to the device (VIRTIO_NET_F_CSUM).
    public var offersChecksumOffload: Bool { features.contains(.netChecksum) }
    /// Whether received frames may come with DATA_VALID (VIRTIO_NET_F_GUEST_CSUM).
    public var checksumsVerifiedOnReceive: Bool { features.contains(.netGuestChecksum) }
    public var hasControlQueue: Bool { controlQueue != nil }
    public var receiveBufferCount: Int { receiveCount }
    public var transmitBufferCount: Int { transmitCount }
    /// Transmit buffers not in flight (after the last reclaim).
    public var transmitBuffersFree: Int { freeTransmit.count }
    /// Receive buffers the device currently holds.
    public var receiveBuffersPosted: Int { receiveBufferForHead.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }

    let receiveQueue: SplitVirtqueue<P>
    let transmitQueue: SplitVirtqueue<P>
    let controlQueue: SplitVirtqueue<P>?
    /// Legacy devices without ANY_LAYOUT need the header in a descriptor of its own (§5.1.6.6).
    let separateHeader: Bool
    let mergeable: Bool

    private let receiveArea: DMABuffer
    private let receiveCount: Int
    private var receiveBufferForHead: [Int]
    /// Receive completions of one pass (buffer, used length); kept to reuse its storage.
    private var completedReceive: [(Int, Int)] = []
    private let transmitArea: DMABuffer
    private let transmitCount: Int
    private var transmitBufferForHead: [Int]
    private var freeTransmit: [Int]
    private let controlArea: DMABuffer?
    /// A control command that timed out: the device may still write its ack.
    private var controlPendingHead: UInt16? = nil

    // A frame being joined from mergeable buffers.
    private let assembly: UnsafeMutableRawPointer
    private var assemblyRemaining = 0
    private var assemblyLength = 0
    private var assemblyOverflow = false
    private var assemblyFlags: UInt8 = 0
    private var assemblyChecksumStart = 0
    private var assemblyChecksumOffset = 0

    private init(platform: P, transport: T, interrupt: Int?, features: Features, mac: [UInt8], linkUp: Bool,
                 receiveQueue: SplitVirtqueue<P>, transmitQueue: SplitVirtqueue<P>, controlQueue: SplitVirtqueue<P>?,
                 receiveArea: DMABuffer, receiveCount: Int, transmitArea: DMABuffer, transmitCount: Int,
                 controlArea: DMABuffer?) {
        self.platform = platform
        self.transport = transport
        self.interrupt = interrupt
        self.features = features
        self.headerLength = VirtioNetHeader.length(features: features, legacy: transport.isLegacy)
        self.macAddress = mac
        self.linkUp = linkUp
        self.receiveQueue = receiveQueue
        self.transmitQueue = transmitQueue
        self.controlQueue = controlQueue
        self.separateHeader = transport.isLegacy && !features.contains(.anyLayout)
        self.mergeable = features.contains(.netMergeableReceiveBuffers)
        self.receiveArea = receiveArea
        self.receiveCount = receiveCount
        self.receiveBufferForHead = Array(repeating: -1, count: receiveQueue.size)
        self.transmitArea = transmitArea
        self.transmitCount = transmitCount
        self.transmitBufferForHead = Array(repeating: -1, count: transmitQueue.size)
        self.freeTransmit = Array((0..<transmitCount).reversed())
        self.controlArea = controlArea
        self.assembly = UnsafeMutableRawPointer.allocate(byteCount: VirtioNet.assemblyBytes, alignment: 16)
    }

    /// Initialises the device and posts the receive pool. `fallbackMAC` is used when
    /// the device has no MAC of its own (it is made locally administered and
    /// unicast); `disabled` features are left out of negotiation.
    public static func create(platform: P, transport: T, interrupt: Int?, fallbackMAC: [UInt8],
                              disabled: Features = [], receiveBuffers: Int = 256,
                              transmitBuffers: Int = 128) throws(NetDriverError) -> VirtioNet<P, T> {
        let negotiated: Features
        do {
            negotiated = try DeviceInitialization.negotiate(transport, driverSupports: supportedFeatures.subtracting(disabled))
        } catch {
            throw .setup(error.message)
        }
        var created: [SplitVirtqueue<P>] = []
        var areas: [DMABuffer] = []
        func undo(_ reason: String) -> NetDriverError {
            for queue in created { queue.release(transport: transport) }
            for area in areas { platform.freeDMA(area) }
            DeviceInitialization.fail(transport)
            return .setup(reason)
        }
        let separate = transport.isLegacy && !negotiated.contains(.anyLayout)
        let indirect = negotiated.contains(.ringIndirectDescriptors)
        var sizes = [max(receiveBuffers, 1), max(transmitBuffers, 1)]
        if separate && !indirect { sizes = sizes.map { $0 * 2 } }
        let queueCount = negotiated.contains(.netControlQueue) ? 3 : 2
        for index in 0..<queueCount {
            do {
                let queue = try SplitVirtqueue.create(platform: platform, transport: transport, index: index,
                                                      maximumSize: index < 2 ? sizes[index] : 16, features: negotiated)
                created.append(queue)
            } catch {
                throw undo(error.message)
            }
        }
        // Each buffer takes one descriptor, or two when the header is separate and there are no indirect tables.
        let perBuffer = separate && !indirect ? 2 : 1
        let receiveCount = min(max(receiveBuffers, 1), created[0].size / perBuffer)
        let transmitCount = min(max(transmitBuffers, 1), created[1].size / perBuffer)
        guard receiveCount > 0, transmitCount > 0 else { throw undo("queues too small") }
        for bytes in [receiveCount * bufferBytes, transmitCount * bufferBytes] + (queueCount == 3 ? [controlAreaBytes] : []) {
            guard let area = platform.allocateDMA(size: bytes, alignment: 4096) else { throw undo("out of DMA memory") }
            areas.append(area)
        }

        var mac: [UInt8]
        if negotiated.contains(.netMAC) {
            mac = (0..<6).map { transport.configRead8(VirtioNetConstants.configMAC + $0) }
        } else {
            mac = Array(fallbackMAC.prefix(6))
            while mac.count < 6 { mac.append(UInt8(truncatingIfNeeded: 0x5a + mac.count)) }
            mac[0] = (mac[0] | 0x02) & 0xfe  // locally administered, unicast
        }
        let linkUp = negotiated.contains(.netStatus)
            ? transport.configRead16(VirtioNetConstants.configStatus) & VirtioNetConstants.statusLinkUp != 0 : true

        let driver = VirtioNet(platform: platform, transport: transport, interrupt: interrupt, features: negotiated,
                               mac: mac, linkUp: linkUp, receiveQueue: created[0], transmitQueue: created[1],
                               controlQueue: queueCount == 3 ? created[2] : nil, receiveArea: areas[0],
                               receiveCount: receiveCount, transmitArea: areas[1], transmitCount: transmitCount,
                               controlArea: queueCount == 3 ? areas[2] : nil)
        // Fill the receive queue before DRIVER_OK (§5.1.5); tell the device after.
        for index in 0..<receiveCount { driver.post(index) }
        DeviceInitialization.finish(transport)
        driver.receiveQueue.notifyIfNeeded(transport)

        if !negotiated.contains(.netMAC) {
            // Tell the device the address we chose, where it can be told.
            if negotiated.contains(.netControlMACAddress) {
                try? driver.setMACAddress(mac)
            } else if transport.isLegacy {
                for (offset, byte) in mac.enumerated() { transport.configWrite8(VirtioNetConstants.configMAC + offset, byte) }
            }
        }
        return driver
    }

    // MARK: - Interrupts and polling

    /// The interrupt handler: acknowledge; a configuration change re-reads the link
    /// status (or disables the device if it asks to be reset); then collect.
    public func handleInterrupt() {
        guard !stopped else { return }
        let status = transport.acknowledgeInterrupt()
        if status.contains(.usedBuffer) { statistics.interrupts += 1 }
        if status.contains(.configurationChange) && brokenReason == nil {
            if DeviceInitialization.needsReset(transport) {
                disable("the device asked to be reset (DEVICE_NEEDS_RESET)")
                return
            }
            refreshLinkStatus()
        }
        poll()
    }

    /// Delivers received frames (re-posting their buffers) and reclaims finished
    /// transmit buffers. The interrupt handler calls it; call it directly without one.
    public func poll() {
        guard !stopped, brokenReason == nil else { return }
        processReceive()
        reclaimTransmit()
    }

    /// Completions are waiting that `poll` has not taken (it stops after a bounded
    /// amount of work under a flood): the event loop should call `poll` again.
    public var hasPendingWork: Bool {
        guard !stopped, brokenReason == nil else { return false }
        return receiveQueue.hasUsed || transmitQueue.hasUsed
    }

    /// Re-reads the link status; reports a change through `linkChanged`.
    public func refreshLinkStatus() {
        guard features.contains(.netStatus), !stopped, brokenReason == nil else { return }
        let up = transport.configRead16(VirtioNetConstants.configStatus) & VirtioNetConstants.statusLinkUp != 0
        guard up != linkUp else { return }
        linkUp = up
        statistics.linkChanges += 1
        linkChanged?(up)
    }

    // MARK: - Transmit

    /// Queues one Ethernet frame (without FCS). With `checksumOffload` the frame's
    /// checksum field at `start + offset` holds the pseudo-header sum and the ones'
    /// complement sum from `start` to the end goes there — by the device when it
    /// offers CSUM, else computed here. Throws `.transmitQueueFull` when every buffer is in flight.
    public func send(frame: UnsafeRawBufferPointer, checksumOffload: (start: Int, offset: Int)? = nil) throws(NetDriverError) {
        guard !stopped else { throw .stopped }
        if let brokenReason { throw .deviceBroken(brokenReason) }
        let length = frame.count
        guard length > 0, length <= VirtioNet.maximumFrameLength, let source = frame.baseAddress else {
            statistics.transmit.errors += 1
            throw .frameSize(length)
        }
        if let offload = checksumOffload {
            guard InternetChecksum.fits(start: offload.start, offset: offload.offset, length: length) else {
                statistics.transmit.errors += 1
                throw .invalidChecksumOffload(start: offload.start, offset: offload.offset, frameLength: length)
            }
        }
        let descriptors = separateHeader ? 2 : 1
        if freeTransmit.isEmpty || !transmitQueue.canSubmit(count: descriptors) { reclaimTransmit() }
        if let brokenReason { throw .deviceBroken(brokenReason) }
        guard !freeTransmit.isEmpty, transmitQueue.canSubmit(count: descriptors), let index = freeTransmit.popLast() else {
            statistics.transmit.drops += 1
            throw .transmitQueueFull
        }
        let buffer = transmitArea.pointer + index * VirtioNet.bufferBytes
        let address = transmitArea.physicalAddress + UInt64(index * VirtioNet.bufferBytes)
        for offset in 0..<headerLength { buffer.storeBytes(of: UInt8(0), toByteOffset: offset, as: UInt8.self) }
        (buffer + headerLength).copyMemory(from: source, byteCount: length)
        if let offload = checksumOffload {
            if offersChecksumOffload {
                buffer.storeBytes(of: VirtioNetHeader.flagNeedsChecksum, toByteOffset: VirtioNetHeader.flagsOffset, as: UInt8.self)
                buffer.storeBytes(of: UInt16(offload.start).littleEndian, toByteOffset: VirtioNetHeader.checksumStartOffset,
                                  as: UInt16.self)
                buffer.storeBytes(of: UInt16(offload.offset).littleEndian, toByteOffset: VirtioNetHeader.checksumOffsetOffset,
                                  as: UInt16.self)
            } else {
                InternetChecksum.complete(UnsafeMutableRawBufferPointer(start: buffer + headerLength, count: length),
                                          start: offload.start, offset: offload.offset)
                statistics.softwareChecksums += 1
            }
        }
        var chain: [VirtqueueBuffer]
        if separateHeader {
            chain = [VirtqueueBuffer(physicalAddress: address, length: UInt32(headerLength), deviceWritable: false),
                     VirtqueueBuffer(physicalAddress: address + UInt64(headerLength), length: UInt32(length),
                                     deviceWritable: false)]
        } else {
            chain = [VirtqueueBuffer(physicalAddress: address, length: UInt32(headerLength + length), deviceWritable: false)]
        }
        let head: UInt16
        do {
            head = try transmitQueue.submit(chain)
        } catch {
            freeTransmit.append(index)
            disable(transmitQueue.brokenReason ?? ("the transmit queue refused a frame: " + error.message))
            throw .deviceBroken(brokenReason ?? error.message)
        }
        transmitBufferForHead[Int(head)] = index
        statistics.transmit.packets += 1
        statistics.transmit.bytes += UInt64(length)
        transmitQueue.notifyIfNeeded(transport)
    }

    public func send(frame: [UInt8], checksumOffload: (start: Int, offset: Int)? = nil) throws(NetDriverError) {
        var failure: NetDriverError? = nil
        frame.withUnsafeBytes { bytes in
            do throws(NetDriverError) {
                try send(frame: bytes, checksumOffload: checksumOffload)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// Takes back the transmit buffers the device has finished with.
    public func reclaimTransmit() {
        guard !stopped, brokenReason == nil else { return }
        while let used = transmitQueue.nextUsed() {
            let index = transmitBufferForHead[Int(used.head)]
            transmitBufferForHead[Int(used.head)] = -1
            if index >= 0 { freeTransmit.append(index) }
        }
        if let reason = transmitQueue.brokenReason { disable(reason) }
    }

    // MARK: - Control queue

    /// Receive every frame, whatever its destination (VIRTIO_NET_CTRL_RX_PROMISC).
    public func setPromiscuous(_ on: Bool) throws(NetDriverError) {
        let what = "promiscuous mode"
        try requireReceiveMode(what)
        try control(VirtioNetConstants.classReceive, VirtioNetConstants.commandPromiscuous, [[on ? 1 : 0]], what)
    }

    /// Receive every multicast frame (VIRTIO_NET_CTRL_RX_ALLMULTI).
    public func setAllMulticast(_ on: Bool) throws(NetDriverError) {
        let what = "all-multicast mode"
        try requireReceiveMode(what)
        try control(VirtioNetConstants.classReceive, VirtioNetConstants.commandAllMulticast, [[on ? 1 : 0]], what)
    }

    /// Replaces the device's MAC filter (VIRTIO_NET_CTRL_MAC_TABLE_SET): frames to
    /// these unicast and multicast addresses are received besides our own.
    public func setMACFilter(unicast: [[UInt8]], multicast: [[UInt8]]) throws(NetDriverError) {
        let what = "the MAC filter table"
        try requireReceiveMode(what)
        for table in [unicast, multicast] {
            guard table.count <= VirtioNet.maximumFilterAddresses else { throw .tooManyAddresses(table.count) }
            for address in table where address.count != 6 { throw .invalidAddress }
        }
        try control(VirtioNetConstants.classMAC, VirtioNetConstants.commandMACTableSet,
                    [VirtioNet.macTable(unicast), VirtioNet.macTable(multicast)], what)
    }

    /// Changes the device's own address (VIRTIO_NET_CTRL_MAC_ADDR_SET); needs CTRL_MAC_ADDR.
    public func setMACAddress(_ address: [UInt8]) throws(NetDriverError) {
        let what = "setting the MAC address"
        guard address.count == 6 else { throw .invalidAddress }
        guard features.contains(.netControlMACAddress) else { throw .controlUnsupported(what) }
        try control(VirtioNetConstants.classMAC, VirtioNetConstants.commandMACAddressSet, [address], what)
        macAddress = address
    }

    // MARK: - Shutdown

    /// Resets the device and returns its memory; later calls throw `.stopped`.
    public func shutdown() {
        guard !stopped else { return }
        stopped = true
        transport.reset()
        receiveQueue.release(transport: transport)
        transmitQueue.release(transport: transport)
        controlQueue?.release(transport: transport)
        platform.freeDMA(receiveArea)
        platform.freeDMA(transmitArea)
        if let controlArea { platform.freeDMA(controlArea) }
        assembly.deallocate()
    }

    // MARK: - Receive internals

    /// Hands receive buffer `index` to the device.
    private func post(_ index: Int) {
        let address = receiveArea.physicalAddress + UInt64(index * VirtioNet.bufferBytes)
        let chain: [VirtqueueBuffer]
        if separateHeader {
            chain = [VirtqueueBuffer(physicalAddress: address, length: UInt32(headerLength), deviceWritable: true),
                     VirtqueueBuffer(physicalAddress: address + UInt64(headerLength),
                                     length: UInt32(VirtioNet.bufferBytes - headerLength), deviceWritable: true)]
        } else {
            chain = [VirtqueueBuffer(physicalAddress: address, length: UInt32(VirtioNet.bufferBytes), deviceWritable: true)]
        }
        guard let head = try? receiveQueue.submit(chain) else { return }
        receiveBufferForHead[Int(head)] = index
    }

    /// Drains the used ring first and re-posts afterwards: a buffer re-posted at
    /// once could take the descriptor a lying device names twice, and the second
    /// completion would look honest.
    private func processReceive() {
        var passes = 0
        while passes < VirtioNet.receivePassesPerCall {
            passes += 1
            completedReceive.removeAll(keepingCapacity: true)
            while let used = receiveQueue.nextUsed() {
                let index = receiveBufferForHead[Int(used.head)]
                receiveBufferForHead[Int(used.head)] = -1
                if index >= 0 { completedReceive.append((index, Int(used.length))) }
            }
            if let reason = receiveQueue.brokenReason {
                disable(reason)
                return
            }
            guard !completedReceive.isEmpty else { return }
            for (index, length) in completedReceive {
                consume(index, length: length)
                // The receiver may have shut the driver down.
                guard !stopped, brokenReason == nil else { return }
            }
            for (index, _) in completedReceive { post(index) }
            receiveQueue.notifyIfNeeded(transport)
        }
    }

    private func consume(_ index: Int, length: Int) {
        let buffer = receiveArea.pointer + index * VirtioNet.bufferBytes
        if assemblyRemaining > 0 {
            // A continuation buffer of a merged frame: data only, no header.
            if !assemblyOverflow && length <= VirtioNet.assemblyBytes - assemblyLength {
                (assembly + assemblyLength).copyMemory(from: buffer, byteCount: length)
                assemblyLength += length
            } else {
                assemblyOverflow = true
            }
            assemblyRemaining -= 1
            if assemblyRemaining == 0 {
                if assemblyOverflow || assemblyLength == 0 {
                    statistics.receive.errors += 1
                } else {
                    deliver(assembly, length: assemblyLength, flags: assemblyFlags,
                            checksumStart: assemblyChecksumStart, checksumOffset: assemblyChecksumOffset)
                }
            }
            return
        }
        guard length > headerLength else {
            statistics.receive.errors += 1
            return
        }
        let flags = buffer.load(fromByteOffset: VirtioNetHeader.flagsOffset, as: UInt8.self)
        let checksumStart = Int(UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: VirtioNetHeader.checksumStartOffset,
                                                                           as: UInt16.self)))
        let checksumOffset = Int(UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: VirtioNetHeader.checksumOffsetOffset,
                                                                            as: UInt16.self)))
        var buffers = 1
        if mergeable {
            buffers = Int(UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: VirtioNetHeader.bufferCountOffset,
                                                                     as: UInt16.self)))
            guard buffers >= 1, buffers <= receiveCount else {
                statistics.receive.errors += 1
                return
            }
        }
        let dataLength = length - headerLength
        if buffers == 1 {
            deliver(buffer + headerLength, length: dataLength, flags: flags, checksumStart: checksumStart,
                    checksumOffset: checksumOffset)
            return
        }
        assembly.copyMemory(from: buffer + headerLength, byteCount: dataLength)
        assemblyLength = dataLength
        assemblyOverflow = false
        assemblyRemaining = buffers - 1
        assemblyFlags = flags
        assemblyChecksumStart = checksumStart
        assemblyChecksumOffset = checksumOffset
    }

    private func deliver(_ data: UnsafeMutableRawPointer, length: Int, flags: UInt8, checksumStart: Int, checksumOffset: Int) {
        var valid = checksumsVerifiedOnReceive && flags & VirtioNetHeader.flagDataValid != 0
        if flags & VirtioNetHeader.flagNeedsChecksum != 0 {
            // A frame from a sender on this host (the host kernel through a
            // tap, another guest) whose checksum was never finished: nothing on
            // the way could have damaged it, so, as Linux does, it is taken as
            // valid without summing it (its checksum field keeps the
            // pseudo-header sum). Fields outside the frame are an error.
            guard InternetChecksum.fits(start: checksumStart, offset: checksumOffset, length: length) else {
                statistics.receive.errors += 1
                return
            }
            valid = true
        }
        statistics.receive.packets += 1
        statistics.receive.bytes += UInt64(length)
        guard let receive else {
            statistics.receive.drops += 1
            return
        }
        receive(UnsafeRawBufferPointer(start: data, count: length), valid)
    }

    // MARK: - Control internals

    private func requireReceiveMode(_ what: String) throws(NetDriverError) {
        guard controlQueue != nil, features.contains(.netControlReceiveMode) else { throw .controlUnsupported(what) }
    }

    /// `le32 entries` then the addresses (struct virtio_net_ctrl_mac).
    static func macTable(_ addresses: [[UInt8]]) -> [UInt8] {
        let count = UInt32(addresses.count)
        var bytes: [UInt8] = [UInt8(truncatingIfNeeded: count), UInt8(truncatingIfNeeded: count >> 8),
                              UInt8(truncatingIfNeeded: count >> 16), UInt8(truncatingIfNeeded: count >> 24)]
        for address in addresses { bytes += address }
        return bytes
    }

    /// Sends one command (class, command, data segments each in its own descriptor,
    /// then the ack byte) and waits for the ack.
    private func control(_ commandClass: UInt8, _ command: UInt8, _ segments: [[UInt8]], _ what: String) throws(NetDriverError) {
        guard !stopped else { throw .stopped }
        if let brokenReason { throw .deviceBroken(brokenReason) }
        guard let queue = controlQueue, let area = controlArea else { throw .controlUnsupported(what) }
        if let pending = controlPendingHead {
            while let used = queue.nextUsed() { if used.head == pending { controlPendingHead = nil } }
            if let reason = queue.brokenReason { disable(reason); throw .deviceBroken(reason) }
            guard controlPendingHead == nil else { throw .controlBusy }
        }
        let ackOffset = VirtioNet.controlAreaBytes - 1
        area.pointer.storeBytes(of: commandClass, as: UInt8.self)
        area.pointer.storeBytes(of: command, toByteOffset: 1, as: UInt8.self)
        area.pointer.storeBytes(of: VirtioNet.ackNotWritten, toByteOffset: ackOffset, as: UInt8.self)
        var chain = [VirtqueueBuffer(physicalAddress: area.physicalAddress, length: 2, deviceWritable: false)]
        var offset = VirtioNet.controlDataOffset
        for segment in segments where !segment.isEmpty {
            guard offset + segment.count <= ackOffset else { throw .tooManyAddresses(segment.count / 6) }
            segment.withUnsafeBytes { (area.pointer + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            chain.append(VirtqueueBuffer(physicalAddress: area.physicalAddress + UInt64(offset),
                                         length: UInt32(segment.count), deviceWritable: false))
            offset += segment.count
        }
        chain.append(VirtqueueBuffer(physicalAddress: area.physicalAddress + UInt64(ackOffset), length: 1, deviceWritable: true))
        guard queue.canSubmit(count: chain.count) else { throw .controlBusy }
        let head: UInt16
        do {
            head = try queue.submit(chain)
        } catch {
            disable(queue.brokenReason ?? ("the control queue refused a command: " + error.message))
            throw .deviceBroken(brokenReason ?? error.message)
        }
        queue.notifyIfNeeded(transport)

        let deadline = platform.now().adding(milliseconds: controlTimeoutMilliseconds)
        var answered = false
        while !answered {
            while let used = queue.nextUsed() { if used.head == head { answered = true } }
            if let reason = queue.brokenReason { disable(reason) }
            if let brokenReason { throw .deviceBroken(brokenReason) }
            if stopped { throw .stopped }
            guard !answered else { break }
            guard platform.now() < deadline else {
                controlPendingHead = head
                throw .controlTimeout(what)
            }
            // Sleep on the interrupt, but poll at least every 10 ms (it may be lost or not wired).
            let wake = min(deadline, platform.now().adding(milliseconds: 10))
            if let interrupt {
                _ = platform.waitForInterrupt(interrupt, until: wake)
            } else {
                while platform.now() < wake && !queue.hasUsed {}
            }
        }
        let ack = area.pointer.load(fromByteOffset: ackOffset, as: UInt8.self)
        guard ack == VirtioNetConstants.ackOK else { throw .controlRejected(what, ack: ack) }
    }

    // MARK: - Failure

    private func disable(_ reason: String) {
        guard brokenReason == nil else { return }
        brokenReason = reason
        // After the reset the device no longer reads or writes the buffers.
        transport.reset()
        assemblyRemaining = 0
    }
}
