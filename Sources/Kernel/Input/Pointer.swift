import Console
import Drivers
import Platform
import Graphics

/// One pointer for every mouse and tablet: relative motion adds up, absolute
/// positions are scaled by the axis ranges from ABS_INFO. Shown with the GPU's
/// cursor plane; the wheel scrolls the scrollback; buttons select and paste.
final class Pointer {
    private(set) var position = Point(x: 0, y: 0)
    /// BTN_LEFT, BTN_RIGHT, BTN_MIDDLE.
    static let left: UInt16 = 0x110, right: UInt16 = 0x111, middle: UInt16 = 0x112
    let screen: Screen
    let console: KernelConsole

    init(screen: Screen, console: KernelConsole) {
        self.screen = screen
        self.console = console
    }

    func handle(_ frame: InputFrame, from device: KernelInput) {
        guard let surface = screen.surface else { return }
        var moved = false
        if let x = frame.absolute(AbsoluteAxis.x), let info = device.info.capabilities.absoluteInfo(axis: AbsoluteAxis.x) {
            position.x = info.scale(x, to: surface.width)
            moved = true
        }
        if let y = frame.absolute(AbsoluteAxis.y), let info = device.info.capabilities.absoluteInfo(axis: AbsoluteAxis.y) {
            position.y = info.scale(y, to: surface.height)
            moved = true
        }
        let dx = frame.relative(RelativeAxis.x), dy = frame.relative(RelativeAxis.y)
        if dx != 0 || dy != 0 {
            position.x += dx
            position.y += dy
            moved = true
        }
        position.x = min(max(position.x, 0), surface.width - 1)
        position.y = min(max(position.y, 0), surface.height - 1)
        if moved { screen.movePointer(to: position) }
        let wheel = frame.relative(RelativeAxis.wheel)
        let at = position
        console.withConsoles { consoles in
            if moved { consoles.pointerMoved(to: at) }
            if wheel != 0 { consoles.scrollView(lines: wheel * 3) }
            for event in frame.keyEvents where event.code >= 0x110 && event.code <= 0x112 {
                let pressed = event.value != 0
                switch event.code {
                case Pointer.left: pressed ? consoles.pointerPressed(at: at) : consoles.pointerReleased(at: at)
                case Pointer.middle: if pressed { consoles.paste() }
                default: break
                }
            }
        }
    }
}
