import Drivers
import Graphics
import Platform

/// The mouse pointer on virtio-gpu's cursor plane: a 64×64 resource holding an
/// arrow, shown with UPDATE_CURSOR and moved with MOVE_CURSOR, so moving it never
/// touches the console's pixels. (On ramfb the input layer draws a sprite instead.)
enum PointerCursor {
    static let resourceID: UInt32 = 0x4000
    static let size = 64
    static var memory: DMABuffer? = nil
    static var position = Point(x: 0, y: 0)
    static var visible = false

    /// The arrow: 1 = black outline, 2 = white fill, rows of a 12×19 shape.
    static let shape: [StaticString] = [
        "1", "11", "121", "1221", "12221", "122221", "1222221", "12222221", "122222221", "1222222221",
        "12222222221", "122222211111", "1222121", "122112 21", "1210 1221", "110  1221", "1     1221", "       1221", "        11",
    ]

    static func start(gpu: KernelGPU) {
        let bytes = size * size * 4
        guard let memory = Kernel.platform.allocateDMA(size: bytes, alignment: 4096) else { return }
        let pixels = memory.pointer.bindMemory(to: UInt32.self, capacity: size * size)
        for (row, line) in shape.enumerated() {
            line.withUTF8Buffer { bytes in
                for (column, byte) in bytes.enumerated() {
                    switch byte {
                    case UInt8(ascii: "1"): pixels[row * size + column] = 0xff00_0000  // opaque black
                    case UInt8(ascii: "2"): pixels[row * size + column] = 0xffff_ffff  // opaque white
                    default: break  // transparent
                    }
                }
            }
        }
        do throws(GPUError) {
            try gpu.createResource(resourceID, width: size, height: size, format: GPUCommand.formatB8G8R8A8)
            try gpu.attachBacking(resourceID, segments: [(memory.physicalAddress, UInt32(bytes))])
            try gpu.transfer(resourceID, stride: size * 4, x: 0, y: 0, width: size, height: size)
            self.memory = memory
        } catch {
            bootLog("display: no hardware cursor: " + error.message)
            Kernel.platform.freeDMA(memory)
        }
    }

    /// Shows the pointer at `point` (its hot spot is the arrow's tip).
    static func show(at point: Point) {
        guard let gpu = Screen.gpu, memory != nil else { return }
        position = point
        gpu.updateCursor(scanout: 0, resource: resourceID, hotX: 0, hotY: 0, x: point.x, y: point.y)
        visible = true
    }

    static func move(to point: Point) {
        guard let gpu = Screen.gpu, memory != nil else {
            if Screen.backend == .ramfb { SoftwareCursor.move(to: point) }
            return
        }
        guard visible else { return show(at: point) }
        position = point
        gpu.moveCursor(scanout: 0, x: point.x, y: point.y)
    }
}

/// The pointer on ramfb, which has no cursor plane: the arrow is drawn into the
/// framebuffer after the console each frame, and the pixels under it are put back
/// before the next frame draws, so the console never sees it.
enum SoftwareCursor {
    static let width = 12, height = 19
    static var position: Point? = nil
    static var drawnAt: Point? = nil
    static var saved = [UInt32](repeating: 0, count: 12 * 19)

    static func move(to point: Point) {
        position = point
        Screen.scheduleFrame()
    }

    /// Before anything draws: the pixels under the sprite come back.
    static func restore() {
        guard let at = drawnAt, let surface = Screen.surface else { return }
        for row in 0..<height where at.y + row < surface.height {
            for column in 0..<width where at.x + column < surface.width {
                surface.row(at.y + row)[at.x + column] = saved[row * width + column]
            }
        }
        Screen.damage.add(Rect(x: at.x, y: at.y, width: width, height: height))
        drawnAt = nil
    }

    /// After the frame is drawn: save what is under the sprite, draw the arrow.
    static func draw() {
        guard let at = position, let surface = Screen.surface else { return }
        for (row, line) in PointerCursor.shape.enumerated() where at.y + row < surface.height {
            let pixels = surface.row(at.y + row)
            for column in 0..<width where at.x + column < surface.width {
                saved[row * width + column] = pixels[at.x + column]
            }
            line.withUTF8Buffer { bytes in
                for (column, byte) in bytes.enumerated() where at.x + column < surface.width {
                    if byte == UInt8(ascii: "1") { pixels[at.x + column] = 0x0000_0000 }
                    if byte == UInt8(ascii: "2") { pixels[at.x + column] = 0x00ff_ffff }
                }
            }
        }
        drawnAt = at
        Screen.damage.add(Rect(x: at.x, y: at.y, width: width, height: height))
    }
}
