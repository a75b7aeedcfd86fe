/// SGR: Select Graphic Rendition (`CSI Pm m`).
extension TerminalCore {
    mutating func selectGraphicRendition(_ parameters: VTParameterView) {
        if parameters.isEmpty {
            pen = .blank
            return
        }
        var index = 0
        while index < parameters.count {
            let code = parameters[index]
            switch code {
            case 0: pen = .blank
            case 1: pen.attributes.insert(.bold)
            case 2: pen.attributes.insert(.faint)
            case 3: pen.attributes.insert(.italic)
            case 4:
                // 4:0 is "no underline"; 4:1…4:5 are underline styles, all drawn as one.
                if parameters.componentCount(at: index) > 1 && parameters.component(1, at: index) == 0 {
                    pen.attributes.remove(.underline)
                } else {
                    pen.attributes.insert(.underline)
                }
            case 5, 6: pen.attributes.insert(.blink)
            case 7: pen.attributes.insert(.inverse)
            case 8: pen.attributes.insert(.hidden)
            case 9: pen.attributes.insert(.strike)
            case 21: pen.attributes.insert(.underline)  // doubly underlined (xterm), drawn single
            case 22: pen.attributes.subtract([.bold, .faint])
            case 23: pen.attributes.remove(.italic)
            case 24: pen.attributes.remove(.underline)
            case 25: pen.attributes.remove(.blink)
            case 27: pen.attributes.remove(.inverse)
            case 28: pen.attributes.remove(.hidden)
            case 29: pen.attributes.remove(.strike)
            case 30 ... 37: pen.packedForeground = TerminalColor.packedIndexed(UInt8(code - 30))
            case 38, 48:
                let color: UInt32
                if index + 2 < parameters.count && parameters[index + 1] == 5 && parameters.componentCount(at: index) <= 1 {
                    // `38;5;n`, what nearly every program sends, here rather
                    // than in `extendedColor`, which the compiler keeps a call.
                    color = indexedColor(parameters[index + 2])
                    index += 2
                } else {
                    color = extendedColor(parameters, at: &index)
                }
                if color != TerminalCore.malformedColor {
                    if code == 38 { pen.packedForeground = color } else { pen.packedBackground = color }
                }
            case 39: pen.packedForeground = TerminalColor.packedDefault
            case 40 ... 47: pen.packedBackground = TerminalColor.packedIndexed(UInt8(code - 40))
            case 49: pen.packedBackground = TerminalColor.packedDefault
            case 58:
                // Underline colour: parsed so its arguments are not misread as
                // SGR codes, but not kept (underlines use the foreground).
                _ = extendedColor(parameters, at: &index)
            case 90 ... 97: pen.packedForeground = TerminalColor.packedIndexed(UInt8(code - 90 + 8))
            case 100 ... 107: pen.packedBackground = TerminalColor.packedIndexed(UInt8(code - 100 + 8))
            default:
                break  // unknown codes are skipped, the rest of the list still applies
            }
            index += 1
        }
    }

    /// What `extendedColor` returns for a malformed or out-of-range colour (no
    /// packed colour has bits above 0x02FF_FFFF).
    static let malformedColor = UInt32.max

    /// Reads the colour after a 38, 48 or 58 at parameter `index`, in either form,
    /// as a packed colour (`malformedColor` if malformed or out of range), and
    /// moves `index` past the extra parameters the semicolon form used up:
    ///
    /// - colon (ITU T.416), all in one parameter: `38:5:n`, `38:2::r:g:b` (with the
    ///   empty colour-space id) or `38:2:r:g:b`;
    /// - semicolon (the older xterm form), spread over the following parameters:
    ///   `38;5;n`, `38;2;r;g;b`.
    private func extendedColor(_ parameters: VTParameterView, at index: inout Int) -> UInt32 {
        let components = parameters.componentCount(at: index)
        if components > 1 {
            let kind = parameters.component(1, at: index)
            switch kind {
            case 5 where components >= 3:
                return indexedColor(parameters.component(2, at: index))
            case 2 where components >= 6:
                return rgbColor(parameters.component(3, at: index), parameters.component(4, at: index),
                                parameters.component(5, at: index))
            case 2 where components == 5:
                return rgbColor(parameters.component(2, at: index), parameters.component(3, at: index),
                                parameters.component(4, at: index))
            default:
                return TerminalCore.malformedColor
            }
        }
        let remaining = parameters.count - index - 1
        guard remaining >= 1 else { return TerminalCore.malformedColor }
        switch parameters[index + 1] {
        case 5:
            guard remaining >= 2 else {
                index += remaining
                return TerminalCore.malformedColor
            }
            index += 2
            return indexedColor(parameters[index])
        case 2:
            guard remaining >= 4 else {
                index += remaining
                return TerminalCore.malformedColor
            }
            index += 4
            return rgbColor(parameters[index - 2], parameters[index - 1], parameters[index])
        default:
            index += 1
            return TerminalCore.malformedColor
        }
    }

    @inline(__always)
    private func indexedColor(_ value: UInt16) -> UInt32 {
        value <= 255 ? TerminalColor.packedIndexed(UInt8(truncatingIfNeeded: value)) : TerminalCore.malformedColor
    }

    private func rgbColor(_ red: UInt16, _ green: UInt16, _ blue: UInt16) -> UInt32 {
        guard red <= 255 && green <= 255 && blue <= 255 else { return TerminalCore.malformedColor }
        return TerminalColor.packedRGB(UInt32(red) << 16 | UInt32(green) << 8 | UInt32(blue))
    }
}
