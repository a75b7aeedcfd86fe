import Drivers
import Graphics
import Platform

/// The mouse pointer on virtio-gpu's cursor plane: a 64×64 resource holding an
/// arrow, shown with UPDATE_CURSOR and moved with MOVE_CURSOR, so moving it never
/// touches the console's pixels. (On ramfb the input layer draws a sprite instead.)
final class PointerCursor {
    static let resourceID: UInt32 = 0x4000
    static let size = 64
    let gpu: KernelGPU
    private var memory: DMABuffer? = nil
    private(set) var position = Point(x: 0, y: 0)
    private var visible = false

    /// The arrow: 1 = black outline, 2 = white fill, rows of a 12×19 shape.
    static let shape: [StaticString] = [
        "1", "11", "121", "1221", "12221", "122221", "1222221", "12222221", "122222221", "1222222221",
        "12222222221", "122222211111", "1222121", "122112 21", "1210 1221", "110  1221", "1     1221", "       1221", "        11",
    ]

    /// The arrow in a resource of its own; without memory or a working
    /// resource the pointer stays hidden.
    init(gpu: KernelGPU, platform: KernelPlatform) {
        self.gpu = gpu
        let (size, resourceID) = (PointerCursor.size, PointerCursor.resourceID)
        let bytes = size * size * 4
        guard let memory = platform.allocateDMA(size: bytes, alignment: 4096) else { return }
        let pixels = memory.pointer.bindMemory(to: UInt32.self, capacity: size * size)
        for (row, line) in PointerCursor.shape.enumerated() {
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
            try gpu.createResourceAndShow(resourceID, width: size, height: size, segments: [(memory.physicalAddress, UInt32(bytes))],
                                          scanouts: [], format: GPUCommand.formatB8G8R8A8)
            try gpu.transfer(resourceID, stride: size * 4, x: 0, y: 0, width: size, height: size)
            self.memory = memory
        } catch {
            bootLog("display: no hardware cursor: " + error.message)
            platform.freeDMA(memory)
        }
    }

    /// Whether the arrow's resource exists (the pointer can be shown).
    var isAvailable: Bool { memory != nil }

    /// Shows the pointer at `point` (its hot spot is the arrow's tip).
    func show(at point: Point) {
        guard memory != nil else { return }
        position = point
        gpu.updateCursor(scanout: 0, resource: PointerCursor.resourceID, hotX: 0, hotY: 0, x: point.x, y: point.y)
        visible = true
    }

    func move(to point: Point) {
        guard memory != nil else { return }
        guard visible else { return show(at: point) }
        position = point
        gpu.moveCursor(scanout: 0, x: point.x, y: point.y)
    }
}

/// The pointer on ramfb, which has no cursor plane: the arrow is drawn into the
/// framebuffer after the console each frame, and the pixels under it are put back
/// before the next frame draws, so the console never sees it.
final class SoftwareCursor {
    static let width = 12, height = 19
    /// Where the pointer is; drawn at the next frame.
    var position: Point? = nil
    private var drawnAt: Point? = nil
    private var saved = [UInt32](repeating: 0, count: 12 * 19)

    /// Before anything draws: the pixels under the sprite come back.
    func restore(on surface: Surface, damage: inout DamageTracker) {
        guard let at = drawnAt else { return }
        let (width, height) = (SoftwareCursor.width, SoftwareCursor.height)
        for row in 0..<height where at.y + row < surface.height {
            for column in 0..<width where at.x + column < surface.width {
                surface.row(at.y + row)[at.x + column] = saved[row * width + column]
            }
        }
        damage.add(Rect(x: at.x, y: at.y, width: width, height: height))
        drawnAt = nil
    }

    /// After the frame is drawn: save what is under the sprite, draw the arrow.
    func draw(on surface: Surface, damage: inout DamageTracker) {
        guard let at = position else { return }
        let (width, height) = (SoftwareCursor.width, SoftwareCursor.height)
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
        damage.add(Rect(x: at.x, y: at.y, width: width, height: height))
    }
}
