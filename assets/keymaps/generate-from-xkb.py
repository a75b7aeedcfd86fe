#!/usr/bin/env python3
"""Writes Lumen keymap files (*.map, format: Sources/Keyboard/Keymap.swift) from
xkeyboard-config's symbol files (/usr/share/X11/xkb/symbols) and X11's
keysymdef.h. Run from this directory: ./generate-from-xkb.py
The .map files are the source of truth afterwards; regenerate only to start over."""
import re, sys

XKB = "/usr/share/X11/xkb/symbols"
KEYSYMDEF = "/usr/include/X11/keysymdef.h"

# xkb key name -> (evdev code, KEY_ name)
ROWS = [("TLDE", 41, "KEY_GRAVE")]
for i, name in enumerate(["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "MINUS", "EQUAL"]):
    ROWS.append(("AE%02d" % (i + 1), 2 + i, "KEY_" + name))
for i, name in enumerate("QWERTYUIOP") :
    ROWS.append(("AD%02d" % (i + 1), 16 + i, "KEY_" + name))
ROWS += [("AD11", 26, "KEY_LEFTBRACE"), ("AD12", 27, "KEY_RIGHTBRACE")]
for i, name in enumerate("ASDFGHJKL"):
    ROWS.append(("AC%02d" % (i + 1), 30 + i, "KEY_" + name))
ROWS += [("AC10", 39, "KEY_SEMICOLON"), ("AC11", 40, "KEY_APOSTROPHE"), ("BKSL", 43, "KEY_BACKSLASH"),
         ("LSGT", 86, "KEY_102ND")]
for i, name in enumerate("ZXCVBNM"):
    ROWS.append(("AB%02d" % (i + 1), 44 + i, "KEY_" + name))
ROWS += [("AB08", 51, "KEY_COMMA"), ("AB09", 52, "KEY_DOT"), ("AB10", 53, "KEY_SLASH")]

DEAD = {"dead_grave", "dead_acute", "dead_circumflex", "dead_tilde", "dead_diaeresis", "dead_cedilla",
        "dead_caron", "dead_abovering", "dead_macron", "dead_breve", "dead_doubleacute", "dead_ogonek",
        "dead_abovedot", "dead_belowdot"}

def keysyms():
    table = {}
    for line in open(KEYSYMDEF, encoding="utf-8"):
        m = re.match(r"#define XK_(\w+)\s+0x([0-9a-fA-F]+)\s*/\*\s*U\+([0-9A-Fa-f]+)", line)
        if m:
            table[m.group(1)] = int(m.group(3), 16)
    return table

KEYSYMS = keysyms()

def section(filename, name):
    text = open(f"{XKB}/{filename}", encoding="utf-8").read()
    m = re.search(r'xkb_symbols\s+"%s"\s*\{(.*?)\n\};' % re.escape(name), text, re.S)
    if not m:
        sys.exit(f"no section {filename}({name})")
    return m.group(1)

def load(filename, name, keys):
    body = section(filename, name)
    body = re.sub(r"//[^\n]*", "", body)
    for inc in re.findall(r'include\s+"([^"]+)"', body):
        m = re.match(r"(\w+)(?:\((\w+)\))?$", inc)
        f, s = m.group(1), m.group(2) or "basic"
        if f in ("latin", "pc"):
            load(f, s, keys)
    for m in re.finditer(r"key\s+<(\w+)>\s*\{(.*?)\}\s*;", body, re.S):
        inner = re.sub(r"(type|symbols)\[\w+\]\s*=", "", m.group(2))
        sm = re.search(r"\[([^\]]*)\]", inner)
        if sm:
            keys[m.group(1)] = [s.strip() for s in sm.group(1).split(",") if s.strip()]

def symbol(name):
    if name in ("NoSymbol", "VoidSymbol"):
        return "none"
    if name in DEAD:
        return name
    if name.startswith("dead_"):
        return "none"  # a dead key Lumen does not compose
    if name == "space":
        return "space"
    if re.match(r"^U[0-9A-Fa-f]{4,6}$", name):
        value = int(name[1:], 16)
    elif re.match(r"^0x1[0-9A-Fa-f]{6}$", name):
        value = int(name, 16) - 0x1000000
    elif name in KEYSYMS:
        value = KEYSYMS[name]
    elif len(name) == 1:
        value = ord(name)
    else:
        sys.exit("unknown keysym " + name)
    ch = chr(value)
    if value < 0x21 or 0x7F <= value < 0xA1 or value == 0xAD or 0x300 <= value < 0x370 or 0x2000 <= value <= 0x200F \
            or value in (0x2028, 0x2029, 0x202F, 0x205F, 0x3000):
        return "U+%04X" % value
    return ch

def write(path, title, source, keys, extra):
    lines = [f"# Lumen keymap: {title}.",
             f"# Derived from xkeyboard-config {source} (see generate-from-xkb.py); the format is",
             "# described in Sources/Keyboard/Keymap.swift. Keys not listed (modifiers, Enter,",
             "# Backspace, F-keys, the navigation block, the keypad) come from Keymap.defaults.",
             "#",
             "# code           plain   shift   altgr   shift+altgr"]
    for xkb, code, name in ROWS:
        if xkb not in keys:
            continue
        syms = [symbol(s) for s in keys[xkb][:4]]
        while len(syms) > 2 and all(s == "none" for s in syms[2:]):
            syms = syms[:2]
        lines.append(name.ljust(17) + " ".join(s.ljust(7) for s in syms).rstrip())
    lines += extra
    open(path, "w", encoding="utf-8").write("\n".join(lines) + "\n")

LAYOUTS = [
    ("us", "English (US)", "us", "basic", ["", "# No AltGr level on US keyboards: the right Alt is Alt.", "KEY_RIGHTALT     Alt_R"]),
    ("gb", "English (UK)", "gb", "basic", []),
    ("de", "German", "de", "basic", ["", "# The keypad decimal key types a comma with Num Lock on (kpdl(comma)).",
                                     "KEY_KPDOT        Delete  ,       :keypad"]),
    ("fr", "French (AZERTY)", "fr", "basic", []),
]

for short, title, filename, name, extra in LAYOUTS:
    keys = {}
    keys["LSGT"] = ["less", "greater", "bar", "brokenbar"]  # from xkb "pc", under every layout
    load(filename, name, keys)
    if short == "us":
        for k in keys:
            keys[k] = keys[k][:2]
        keys["LSGT"] = ["less", "greater"]
    write(f"{short}.map", title, f'"{filename}({name})"', keys, extra)
    print("wrote", short + ".map")
