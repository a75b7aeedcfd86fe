import Drivers
import Graphics
import KernelSupport
import Platform
import Scheduling
import VirtIO

typealias KernelGPU = VirtioGPU<KernelPlatform, KernelTransport>

/// The display: one XRGB8888 surface in RAM shown through virtio-gpu (every
/// enabled scanout shows it) or ramfb. Drawing marks damage; the `render`
/// thread draws at frame pace and sends the damaged rectangles, and only they,
/// to the device without waiting for it; the next frame waits for the previous
/// one's fence before it touches the pixels. Nothing runs while nothing
/// changes, so an idle screen costs no CPU.
final class Screen {
    enum Backend { case none, gpu, ramfb }

    let platform: KernelPlatform
    var backend = Backend.none
    var surface: Surface? = nil
    var damage = DamageTracker(width: 0, height: 0)
    var size = Size.zero
    var gpu: KernelGPU? = nil
    var framebuffer: DMABuffer? = nil
    var resourceID: UInt32 = 0
    var scanouts: [GPUScanout] = []
    var lastFence: UInt64 = 0
    /// Set when something changed on screen; the render thread takes it.
    var frameRequested = false
    let frameQueue = WaitQueue(name: "frame")
    /// One frame at a time (the render thread, and the shell's `display` commands).
    let frameLock = KernelMutex("frame")
    var framesPresented: UInt64 = 0
    /// Redraws everything (after a resize); set by whoever owns the screen's content.
    var redraw: (() -> Void)? = nil
    /// Runs at the start of every frame, to draw what changed (the console's renderer).
    var beforePresent: (() -> Void)? = nil
    static let frameMilliseconds: UInt64 = 16
    /// The console follows size changes (set by whoever owns the screen's content).
    var resized: ((Size) -> Void)? = nil
    /// The GPU's cursor plane (virtio-gpu), or the sprite drawn into the frame (ramfb).
    private(set) var pointerCursor: PointerCursor? = nil
    let softwareCursor = SoftwareCursor()

    init(platform: KernelPlatform) {
        self.platform = platform
    }

    var backendName: String {
        switch backend {
        case .none: return "none"
        case .gpu: return "virtio-gpu"
        case .ramfb: return "ramfb"
        }
    }

    // MARK: - Drawing

    /// Call before drawing: the previous frame's transfers must have finished
    /// reading the pixels (its fence). Blocks the drawing thread until then.
    func beginDrawing() {
        guard let gpu else { return }
        if lastFence > gpu.completedFence {
            do throws(GPUError) { try gpu.waitForFence(lastFence) } catch { print("display: " + error.message) }
        }
        if let error = gpu.takeFrameError() { print("display: a frame failed: " + error.message) }
    }

    func markAllDamaged() {
        damage.addAll()
        scheduleFrame()
    }

    /// When the last frame finished, and how long drawing and flushing it took.
    var lastFrameEnd = Instant(nanoseconds: 0)
    var lastFrameCost: UInt64 = 0

    /// The earliest the next frame may start: a frame (16 ms) after the last one
    /// ended, or five times what it cost, whichever is later — so under a flood
    /// of output drawing takes at most a sixth of the time and parsing the rest
    /// (a full 1024x768 frame costs about 7 ms under TCG: some 20 frames a
    /// second while `cat` floods the screen).
    var nextFrameDue: Instant {
        lastFrameEnd.adding(nanoseconds: max(Screen.frameMilliseconds * 1_000_000, 5 * lastFrameCost))
    }

    /// The arrow on virtio-gpu's cursor plane, made when first needed (the boot
    /// makes it once a pointing device is there, `display cursor` otherwise):
    /// its commands need not hold up the first frame. Nil without virtio-gpu
    /// or when the resource could not be made. Call on the shell's thread.
    func preparePointerCursor() -> PointerCursor? {
        if pointerCursor == nil, backend == .gpu, let gpu { pointerCursor = PointerCursor(gpu: gpu, platform: platform) }
        return pointerCursor
    }

    /// Moves the mouse pointer: the GPU's cursor plane, or the sprite on ramfb.
    func movePointer(to point: Point) {
        if let pointerCursor {
            pointerCursor.move(to: point)
        } else if backend == .ramfb {
            softwareCursor.position = point
            scheduleFrame()
        }
    }

    /// Asks for a frame: at once if one is due (a key's echo shows without waiting
    /// for a tick), otherwise when the next one is. Any thread; never blocks.
    func scheduleFrame() {
        guard !frameRequested, backend != .none else { return }
        frameRequested = true
        Threads.wakeAll(frameQueue)
    }

    /// The render thread: waits for a request, then for the frame to be due,
    /// then draws and sends it.
    func renderLoop() {
        while true {
            lumen_irq_disable()
            while !frameRequested { _ = Threads.block(on: frameQueue) }
            lumen_irq_enable()
            let due = nextFrameDue
            if GenericTimer.now() < due { Threads.sleep(until: due) }
            frameRequested = false
            present()
        }
    }

    func startRenderThread() {
        guard backend != .none else { return }
        if Threads.spawn(name: "render", priority: .console, stackKiB: 128, { self.renderLoop() }) == nil {
            print("display: no render thread; the screen will not update")
        }
    }

    /// Draws what changed and sends the damaged rectangles to the device now.
    func present() {
        frameLock.lock()
        defer { frameLock.unlock() }
        let start = GenericTimer.now()
        defer {
            lastFrameEnd = GenericTimer.now()
            lastFrameCost = lastFrameEnd.nanoseconds(since: start)
        }
        applyDisplayChange()
        if backend == .ramfb, let surface { softwareCursor.restore(on: surface, damage: &damage) }
        beforePresent?()
        if backend == .ramfb, let surface { softwareCursor.draw(on: surface, damage: &damage) }
        let rects = damage.take()
        guard !rects.isEmpty else { return }
        framesPresented += 1
        guard backend == .gpu, let gpu else { return }  // ramfb scans RAM out directly
        do {
            lastFence = try gpu.present(resourceID, stride: size.width * 4,
                                        rects: rects.map { (x: $0.x, y: $0.y, width: $0.width, height: $0.height) })
        } catch {
            print(error.message)
        }
    }

    // MARK: - virtio-gpu

    /// Sets up the GPU: the mode (settings, else EDID's preferred mode, else the
    /// first enabled scanout's size), a resource with RAM behind it, every enabled scanout.
    func start(gpu: KernelGPU, requested: Size?) -> Bool {
        do throws(GPUError) {
            // Scanout 0's EDID comes with the display info (one round trip);
            // another enabled scanout's is asked for on its own.
            let answers = try gpu.displayInfoAndEDID(edidScanout: 0)
            scanouts = answers.scanouts
            var mode = requested
            var source = "settings"
            if mode == nil, gpu.hasEDID, let enabled = scanouts.first(where: { $0.enabled }),
               let bytes = enabled.index == 0 ? answers.edid : try? gpu.edid(scanout: enabled.index) {
                let parsed: EDID? = bytes.withUnsafeBytes { try? EDID(bytes: $0) }
                if let preferred = parsed?.preferredMode {
                    mode = Size(width: preferred.width, height: preferred.height)
                    source = "EDID"
                }
            }
            if mode == nil, let enabled = scanouts.first(where: { $0.enabled }) {
                mode = Size(width: enabled.width, height: enabled.height)
                source = "display info"
            }
            guard let mode, mode.width > 0, mode.height > 0 else { throw .noEnabledScanout }
            self.gpu = gpu
            try createResource(gpu: gpu, size: mode)
            backend = .gpu
            let enabled = scanouts.filter { $0.enabled }.map { String($0.index) }.joined(separator: ", ")
            bootLog("display: virtio-gpu \(mode.width)x\(mode.height) (from \(source)), scanouts " + enabled)
            return true
        } catch {
            bootLog("display: virtio-gpu unusable: " + error.message)
            return false
        }
    }

    /// A new resource of `size` with fresh backing, shown on every enabled scanout;
    /// the old one is released afterwards.
    func createResource(gpu: KernelGPU, size: Size) throws(GPUError) {
        let bytes = size.width * size.height * 4
        guard let memory = platform.allocateDMA(size: bytes, alignment: 4096) else { throw .outOfMemory }
        let id = resourceID + 1
        do {
            try gpu.createResourceAndShow(id, width: size.width, height: size.height,
                                          segments: backingSegments(memory, bytes: bytes),
                                          scanouts: scanouts.filter { $0.enabled || $0.index == 0 }.map { $0.index })
            modeSetAt = GenericTimer.now()
        } catch {
            platform.freeDMA(memory)
            throw error
        }
        let oldID = resourceID
        let oldMemory = framebuffer
        resourceID = id
        framebuffer = memory
        self.size = size
        surface = Surface(pixels: memory.pointer.bindMemory(to: UInt32.self, capacity: size.width * size.height),
                          width: size.width, height: size.height)
        damage = DamageTracker(width: size.width, height: size.height)
        if oldID != 0 {
            try? gpu.detachBacking(oldID)
            try? gpu.unref(oldID)
        }
        if let oldMemory { platform.freeDMA(oldMemory) }
    }

    /// The framebuffer as a scatter list of at most 1 MiB pieces: the device
    /// gathers them, so the pixels need not be physically contiguous.
    func backingSegments(_ memory: DMABuffer, bytes: Int) -> [(address: UInt64, length: UInt32)] {
        var segments: [(address: UInt64, length: UInt32)] = []
        var offset = 0
        while offset < bytes {
            let length = min(1 << 20, bytes - offset)
            segments.append((memory.physicalAddress + UInt64(offset), UInt32(length)))
            offset += length
        }
        return segments
    }

    /// The GPU's interrupt (events thread): answers are collected; a display
    /// change is left to the render thread, which owns the surface. `gpu` is
    /// the driver's, not `self.gpu`: the interrupt may come while the screen is
    /// still being set up on it, and a level-triggered line that is not
    /// acknowledged fires again as soon as it is unmasked.
    func handleGPUInterrupt(_ gpu: KernelGPU) {
        gpu.handleInterrupt()
        if self.gpu != nil && gpu.displayChangePending { scheduleFrame() }
    }

    /// When the scanout was last set up: a display change that reports QEMU's
    /// placeholder size soon after is the window's first size hint, not a user's
    /// resize (GTK sizes its window to the 640x480 "display not active" surface
    /// before the guest's mode arrives).
    var modeSetAt = Instant(nanoseconds: 0)
    static let placeholderSize = Size(width: 640, height: 480)

    /// Render thread, under the frame lock: re-read the modes. If the first
    /// enabled scanout changed size, move to a resource of the new size (shown
    /// on every enabled scanout) and redraw; otherwise point newly enabled
    /// scanouts at the console and turn off the ones that went away.
    func applyDisplayChange() {
        guard let gpu, gpu.displayChangePending else { return }
        gpu.acknowledgeDisplayChange()
        guard let info = try? gpu.displayInfo() else { return }
        let previous = scanouts
        scanouts = info
        if let first = info.first(where: { $0.enabled }), first.width > 0, first.height > 0,
           first.width != size.width || first.height != size.height {
            let requested = Size(width: first.width, height: first.height)
            if requested == Screen.placeholderSize, GenericTimer.now() < modeSetAt.adding(milliseconds: 3000) {
                print("display: the window's first size hint (\(first.width)x\(first.height)) ignored; keeping \(size.width)x\(size.height)")
                return
            }
            do {
                try createResource(gpu: gpu, size: Size(width: first.width, height: first.height))
                print("display: resized to \(first.width)x\(first.height)")
                resized?(size)
                redraw?()
                markAllDamaged()
            } catch {
                print("display: resize failed: " + error.message)
            }
            return
        }
        for scanout in info {
            let wasEnabled = previous.first(where: { $0.index == scanout.index })?.enabled ?? false
            guard scanout.enabled != wasEnabled, scanout.index != 0 else { continue }
            if scanout.enabled {
                try? gpu.setScanout(scanout.index, resource: resourceID,
                                    width: min(size.width, scanout.width), height: min(size.height, scanout.height))
                print("display: scanout \(scanout.index) enabled (\(scanout.width)x\(scanout.height)), showing the console")
                markAllDamaged()
            } else {
                try? gpu.setScanout(scanout.index, resource: 0, width: 0, height: 0)
                print("display: scanout \(scanout.index) disabled")
            }
        }
    }
}
