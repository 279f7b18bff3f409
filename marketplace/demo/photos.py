"""Procedural product photos for the demo: Pillow drawings, no downloads and no text.

Every scene is drawn from a seeded `random.Random`, so the same seed always
gives the same picture. Scenes are still lifes a village group might shoot on
a phone: grains in a bowl on a wooden table, chilies on a bamboo tray, a mat on
floor boards, folded cloth, a jar of honey on a honeycomb.
"""

import io
import math
import random
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1000, 750

_CIRCLE = [(math.cos(2 * math.pi * i / 12), math.sin(2 * math.pi * i / 12)) for i in range(12)]


# --- small helpers -----------------------------------------------------------


def _jitter(rng, color, amount=12):
    return tuple(max(0, min(255, c + rng.randint(-amount, amount))) for c in color)


def _mix(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _oval(x, y, a, b, angle):
    """Points of an ellipse with half-axes a, b rotated by angle (radians)."""
    ca, sa = math.cos(angle), math.sin(angle)
    return [(x + a * c * ca - b * s * sa, y + a * c * sa + b * s * ca) for c, s in _CIRCLE]


def _in_ellipse(rng, cx, cy, rx, ry):
    while True:
        u, v = rng.uniform(-1, 1), rng.uniform(-1, 1)
        if u * u + v * v <= 1:
            return cx + u * rx, cy + v * ry


@lru_cache(maxsize=4)
def _vignette(size):
    gradient = Image.radial_gradient("L").resize(size, Image.Resampling.BILINEAR)
    # radial_gradient is 0 at the centre and 255 at the edge: keep the middle bright.
    mask = gradient.point(lambda v: 255 - int(min(255, v * 1.1) * 0.38))
    return Image.merge("RGB", (mask, mask, mask))


@lru_cache(maxsize=4)
def _light(size):
    # 0 at the top-left corner, 255 at the bottom-right: a diagonal fall-off.
    vertical = Image.linear_gradient("L").resize(size)
    horizontal = (
        vertical.transpose(Image.Transpose.ROTATE_90)
        .transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        .resize(size)
    )
    return ImageChops.add(vertical, horizontal, scale=2).point(lambda v: 205 + v // 5)


def _finish(image):
    """Soften the hard pixel edges, add a vignette and warm light from the top left."""
    image = image.filter(ImageFilter.SMOOTH)
    image = ImageChops.multiply(image, _vignette(image.size))
    warm = ImageChops.screen(image, Image.new("RGB", image.size, (80, 60, 30)))
    return Image.composite(image, warm, _light(image.size))


def _shadow(image, box, strength=110, blur=18):
    """A soft elliptical shadow under an object."""
    small = Image.new("L", (image.width // 4, image.height // 4), 0)
    ImageDraw.Draw(small).ellipse([c / 4 for c in box], fill=strength)
    small = small.filter(ImageFilter.GaussianBlur(blur / 4))
    mask = small.resize(image.size, Image.Resampling.BILINEAR)
    image.paste((20, 12, 6), mask=mask)


# --- backgrounds -------------------------------------------------------------


def _wood(rng, base=(150, 102, 62)):
    image = Image.new("RGB", (WIDTH, HEIGHT), base)
    draw = ImageDraw.Draw(image)
    plank = rng.randint(150, 210)
    y = -rng.randint(0, plank)
    while y < HEIGHT:
        tone = _jitter(rng, base, 16)
        draw.rectangle([0, y, WIDTH, y + plank], fill=tone)
        for _ in range(26):
            gy = y + rng.uniform(4, plank - 4)
            amp, freq, phase = rng.uniform(1, 6), rng.uniform(0.004, 0.012), rng.uniform(0, 6)
            points = [(x, gy + amp * math.sin(x * freq + phase)) for x in range(0, WIDTH + 40, 40)]
            draw.line(points, fill=_mix(tone, (60, 35, 18), rng.uniform(0.1, 0.3)), width=2)
        draw.line([(0, y), (WIDTH, y)], fill=_mix(tone, (30, 16, 8), 0.7), width=4)
        y += plank
    return image


def _bamboo_mat(rng, base=(196, 162, 104), cell=34):
    image = Image.new("RGB", (WIDTH, HEIGHT), base)
    draw = ImageDraw.Draw(image)
    dark = _mix(base, (70, 45, 20), 0.45)
    for row in range(-1, HEIGHT // cell + 2):
        for col in range(-1, WIDTH // cell + 2):
            x, y = col * cell, row * cell
            tone = _jitter(rng, base, 10)
            if (row + col) % 2:
                draw.rectangle([x + 1, y + 3, x + cell * 2 - 1, y + cell - 3], fill=tone)
            else:
                draw.rectangle([x + 3, y + 1, x + cell - 3, y + cell * 2 - 1], fill=tone)
            draw.point((x + cell // 2, y + cell // 2), fill=dark)
    return image.filter(ImageFilter.BoxBlur(1))


def _linen(rng, base=(228, 220, 204)):
    image = Image.effect_noise((WIDTH // 2, HEIGHT // 2), 18).resize((WIDTH, HEIGHT))
    tint = Image.new("RGB", (WIDTH, HEIGHT), base)
    noise = Image.merge("RGB", (image, image, image))
    result = Image.blend(tint, ImageChops.multiply(tint, noise), 0.18)
    draw = ImageDraw.Draw(result)
    for x in range(0, WIDTH, 6):
        draw.line([(x, 0), (x, HEIGHT)], fill=_jitter(rng, _mix(base, (0, 0, 0), 0.04), 4))
    return result


def _banana_leaf(rng):
    image = Image.new("RGB", (WIDTH, HEIGHT), (58, 120, 52))
    draw = ImageDraw.Draw(image)
    for y in range(0, HEIGHT, 7):
        draw.line(
            [(0, y), (WIDTH, y + rng.randint(-8, 8))],
            fill=_jitter(rng, (70, 138, 60), 14),
            width=4,
        )
    draw.rectangle([0, HEIGHT // 2 - 10, WIDTH, HEIGHT // 2 + 10], fill=(150, 180, 96))
    return image.filter(ImageFilter.BoxBlur(1))


def _background(rng, kind):
    return {
        "wood": lambda: _wood(rng),
        "dark_wood": lambda: _wood(rng, (92, 60, 38)),
        "bamboo": lambda: _bamboo_mat(rng),
        "linen": lambda: _linen(rng),
        "leaf": lambda: _banana_leaf(rng),
        "floor": lambda: _wood(rng, (176, 130, 84)),
    }[kind]()


# --- grains, beans, chilies --------------------------------------------------

GRAINS = {
    # (base colour, highlight, length, width)
    "black": ((46, 22, 48), (120, 70, 120), 13, 5.5),
    "white": ((236, 232, 218), (255, 255, 250), 10, 6.5),
    "brown": ((184, 140, 92), (226, 196, 150), 11, 6),
    "coffee": ((92, 52, 30), (160, 104, 66), 17, 12),
    "green_coffee": ((170, 176, 132), (214, 214, 176), 16, 11),
}


def _grain(draw, rng, x, y, kind, scale=1.0):
    base, light, length, width = GRAINS[kind]
    angle = rng.uniform(0, math.pi)
    a, b = length * scale * rng.uniform(0.85, 1.15), width * scale * rng.uniform(0.85, 1.1)
    draw.polygon(_oval(x + 1.5, y + 2, a, b, angle), fill=_mix(base, (0, 0, 0), 0.55))
    draw.polygon(_oval(x, y, a, b, angle), fill=_jitter(rng, base, 14))
    if kind in ("coffee", "green_coffee"):
        # The centre crease of a coffee bean.
        ca, sa = math.cos(angle), math.sin(angle)
        bend = b * 0.25
        crease = [
            (x - a * 0.8 * ca - bend * sa, y - a * 0.8 * sa + bend * ca),
            (x, y),
            (x + a * 0.8 * ca - bend * sa, y + a * 0.8 * sa + bend * ca),
        ]
        draw.line(crease, fill=_mix(base, (0, 0, 0), 0.6), width=max(2, int(b * 0.25)))
        draw.polygon(
            _oval(x - b * 0.3 * sa, y - b * 0.3 * ca, a * 0.5, b * 0.25, angle), fill=light
        )
    else:
        draw.polygon(_oval(x - 1, y - 1.5, a * 0.55, b * 0.35, angle), fill=_jitter(rng, light, 10))


def _heap(draw, rng, cx, cy, rx, ry, kind, count, scale=1.0):
    points = [_in_ellipse(rng, cx, cy, rx, ry) for _ in range(count)]
    points.sort(key=lambda p: p[1])
    for x, y in points:
        _grain(draw, rng, x, y, kind, scale)


def _bowl(image, rng, cx, cy, rx, ry, kind, bowl=(236, 230, 216)):
    """A round bowl seen from above at an angle, full of grains."""
    _shadow(image, [cx - rx * 1.05, cy - ry * 0.7, cx + rx * 1.15, cy + ry * 1.45])
    draw = ImageDraw.Draw(image)
    draw.ellipse(
        [cx - rx, cy - ry * 0.9, cx + rx, cy + ry * 1.25], fill=_mix(bowl, (0, 0, 0), 0.25)
    )
    draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=bowl)
    rim = 0.9
    draw.ellipse(
        [cx - rx * rim, cy - ry * rim, cx + rx * rim, cy + ry * rim],
        fill=_mix(bowl, (0, 0, 0), 0.15),
    )
    count = int(rx * ry / (GRAINS[kind][2] * GRAINS[kind][3]) * 0.9)
    _heap(draw, rng, cx, cy, rx * 0.86, ry * 0.84, kind, count)


def grains(rng, kind="black", background="wood", closeup=False):
    """Rice or coffee: a bowl of grains with a few spilled on the table, or a close-up."""
    if closeup:
        image = Image.new("RGB", (WIDTH, HEIGHT), _mix(GRAINS[kind][0], (0, 0, 0), 0.5))
        draw = ImageDraw.Draw(image)
        scale = 2.6
        _, _, length, width = GRAINS[kind]
        count = int(WIDTH * HEIGHT / (length * width * scale * scale) * 1.5)
        _heap(draw, rng, WIDTH / 2, HEIGHT / 2, WIDTH * 0.75, HEIGHT * 0.75, kind, count, scale)
        return _finish(image)
    image = _background(rng, background)
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.uniform(80, WIDTH - 80), rng.uniform(HEIGHT * 0.7, HEIGHT - 30)
        _grain(draw, rng, x, y, kind)
    _bowl(image, rng, WIDTH * 0.5, HEIGHT * 0.47, WIDTH * 0.32, HEIGHT * 0.32, kind)
    if rng.random() < 0.6:
        _heap(ImageDraw.Draw(image), rng, WIDTH * 0.85, HEIGHT * 0.86, 90, 40, kind, 150)
    return _finish(image)


def _pod(draw, rng, x, y, length, angle, thickness, color, dried):
    """A chili pod: a tapering curved body with a green (or brown) stem and calyx."""
    bend = rng.uniform(-0.5, 0.5)
    steps = 18
    body = []
    for i in range(steps + 1):
        t = i / steps
        a = angle + bend * t
        px = x + math.cos(a) * length * t
        py = y + math.sin(a) * length * t
        r = thickness * (1 - t) ** 0.8 + 1.2
        body.append((px, py, r))
    shade = _mix(color, (0, 0, 0), 0.45)
    for px, py, r in body:
        draw.ellipse([px - r + 2, py - r + 3, px + r + 2, py + r + 3], fill=(30, 15, 10))
    for px, py, r in body:
        draw.ellipse([px - r, py - r, px + r, py + r], fill=shade)
    for px, py, r in body:
        draw.ellipse([px - r * 0.8, py - r * 0.9, px + r * 0.7, py + r * 0.6], fill=color)
    gloss = (255, 190, 170) if not dried else _mix(color, (255, 255, 255), 0.25)
    draw.line(
        [(px - r * 0.3, py - r * 0.4) for px, py, r in body[2:-4]],
        fill=gloss,
        width=max(1, int(thickness / 4)),
    )
    stem = (70, 120, 40) if not dried else (120, 110, 60)
    sx, sy = x - math.cos(angle) * thickness * 0.6, y - math.sin(angle) * thickness * 0.6
    draw.ellipse(
        [sx - thickness * 0.7, sy - thickness * 0.7, sx + thickness * 0.7, sy + thickness * 0.7],
        fill=stem,
    )
    end = (
        sx - math.cos(angle + 0.4) * thickness * 1.6,
        sy - math.sin(angle + 0.4) * thickness * 1.6,
    )
    draw.line([(sx, sy), end], fill=stem, width=max(2, int(thickness * 0.35)))


def _tray(image, rng, cx, cy, r):
    """A round woven bamboo tray (กระด้ง)."""
    _shadow(image, [cx - r * 0.95, cy - r * 0.7, cx + r * 1.1, cy + r * 1.05])
    draw = ImageDraw.Draw(image)
    draw.ellipse([cx - r, cy - r * 0.78, cx + r, cy + r * 0.86], fill=(120, 84, 40))
    draw.ellipse([cx - r * 0.95, cy - r * 0.74, cx + r * 0.95, cy + r * 0.74], fill=(204, 168, 104))
    step = 14
    for k in range(-int(r), int(r), step):
        tone = (186, 148, 88) if (k // step) % 2 else (214, 180, 118)
        draw.line([(cx + k, cy - r * 0.7), (cx + k + r * 0.3, cy + r * 0.7)], fill=tone, width=5)
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse(
        [cx - r * 0.95, cy - r * 0.74, cx + r * 0.95, cy + r * 0.74], fill=255
    )
    return mask


def chilies(rng, dried=True, background="bamboo", closeup=False):
    """Small Karen chilies heaped on a bamboo tray, fresh red or sun-dried."""
    palette = (
        [(150, 24, 20), (128, 18, 22), (170, 40, 24)]
        if dried
        else [
            (214, 36, 26),
            (196, 24, 20),
            (230, 70, 30),
            (90, 150, 50),
        ]
    )
    image = _background(rng, background)
    if closeup:
        draw = ImageDraw.Draw(image)
        for _ in range(340):
            x, y = rng.uniform(-40, WIDTH), rng.uniform(-40, HEIGHT)
            _pod(
                draw,
                rng,
                x,
                y,
                rng.uniform(70, 110),
                rng.uniform(0, 2 * math.pi),
                rng.uniform(11, 15),
                _jitter(rng, rng.choice(palette), 12),
                dried,
            )
        return _finish(image)
    cx, cy, r = WIDTH * 0.5, HEIGHT * 0.5, WIDTH * 0.4
    mask = _tray(image, rng, cx, cy, r)
    layer = image.copy()
    draw = ImageDraw.Draw(layer)
    for _ in range(420):
        x, y = _in_ellipse(rng, cx, cy, r * 0.85, r * 0.62)
        _pod(
            draw,
            rng,
            x,
            y,
            rng.uniform(38, 60),
            rng.uniform(0, 2 * math.pi),
            rng.uniform(6, 9),
            _jitter(rng, rng.choice(palette), 12),
            dried,
        )
    image.paste(layer, mask=mask)
    return _finish(image)


def powder(rng, color=(178, 40, 24), background="dark_wood"):
    """A mound of ground chili (or herb powder) in a bowl, with a few whole pods beside it."""
    image = _background(rng, background)
    cx, cy, rx, ry = WIDTH * 0.45, HEIGHT * 0.5, WIDTH * 0.3, HEIGHT * 0.3
    _shadow(image, [cx - rx, cy - ry * 0.6, cx + rx * 1.15, cy + ry * 1.4])
    draw = ImageDraw.Draw(image)
    draw.ellipse([cx - rx, cy - ry * 0.9, cx + rx, cy + ry * 1.25], fill=(70, 52, 40))
    draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=(110, 84, 62))
    draw.ellipse(
        [cx - rx * 0.9, cy - ry * 0.9, cx + rx * 0.9, cy + ry * 0.9],
        fill=_mix(color, (0, 0, 0), 0.3),
    )
    for i in range(9000):
        x, y = _in_ellipse(rng, cx, cy - ry * 0.05, rx * 0.86, ry * 0.84)
        # Lighter towards the top of the mound.
        d = math.hypot((x - cx) / rx, (y - cy + ry * 0.2) / ry)
        tone = _mix(color, (255, 200, 120), max(0, 0.35 - d * 0.4))
        s = rng.uniform(1.5, 3.5) if i % 7 else rng.uniform(3, 5)
        draw.ellipse([x, y, x + s, y + s], fill=_jitter(rng, tone, 22))
    for _ in range(7):
        x, y = rng.uniform(WIDTH * 0.75, WIDTH * 0.95), rng.uniform(HEIGHT * 0.15, HEIGHT * 0.85)
        _pod(
            draw,
            rng,
            x,
            y,
            rng.uniform(60, 80),
            rng.uniform(0, 2 * math.pi),
            10,
            _jitter(rng, (140, 22, 20), 10),
            True,
        )
    return _finish(image)


# --- jars, tins and bundles --------------------------------------------------


def _jar(image, rng, x, y, w, h, content, lid, speckle=None, glossy=True):
    _shadow(image, [x - w * 0.1, y + h * 0.82, x + w * 1.25, y + h * 1.08], blur=12)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        [x, y, x + w, y + h], radius=w * 0.16, fill=_mix(content, (0, 0, 0), 0.2)
    )
    draw.rounded_rectangle(
        [x + w * 0.06, y + h * 0.12, x + w * 0.94, y + h * 0.96], radius=w * 0.12, fill=content
    )
    if speckle:
        for _ in range(int(w * h / 90)):
            sx, sy = rng.uniform(x + w * 0.1, x + w * 0.9), rng.uniform(y + h * 0.18, y + h * 0.92)
            s = rng.uniform(2, 5)
            draw.ellipse([sx, sy, sx + s, sy + s], fill=_jitter(rng, rng.choice(speckle), 15))
    # A plain paper label band (no text) and the glass highlight.
    draw.rectangle([x + w * 0.06, y + h * 0.45, x + w * 0.94, y + h * 0.7], fill=(240, 230, 206))
    draw.rectangle([x + w * 0.06, y + h * 0.47, x + w * 0.94, y + h * 0.49], fill=lid)
    draw.rectangle([x + w * 0.06, y + h * 0.66, x + w * 0.94, y + h * 0.68], fill=lid)
    if glossy:
        draw.rounded_rectangle(
            [x + w * 0.12, y + h * 0.16, x + w * 0.2, y + h * 0.42], radius=6, fill=(255, 255, 255)
        )
    # A cloth cover tied over the lid, as many village products are.
    draw.ellipse(
        [x - w * 0.08, y - h * 0.1, x + w * 1.08, y + h * 0.16], fill=_mix(lid, (0, 0, 0), 0.25)
    )
    draw.ellipse([x - w * 0.05, y - h * 0.14, x + w * 1.05, y + h * 0.1], fill=lid)
    for k in range(6):
        fx = x + w * (0.05 + 0.18 * k)
        draw.polygon(
            [(fx, y + h * 0.08), (fx + w * 0.09, y + h * 0.22), (fx + w * 0.18, y + h * 0.08)],
            fill=lid,
        )
    draw.line([(x, y + h * 0.1), (x + w, y + h * 0.1)], fill=(200, 160, 60), width=4)


def _honeycomb(rng):
    image = Image.new("RGB", (WIDTH, HEIGHT), (200, 136, 30))
    draw = ImageDraw.Draw(image)
    r = 38
    for row in range(-1, int(HEIGHT / (r * 1.5)) + 2):
        for col in range(-1, int(WIDTH / (r * 1.732)) + 2):
            cx = col * r * 1.732 + (row % 2) * r * 0.866
            cy = row * r * 1.5
            hexagon = [
                (cx + r * math.sin(k * math.pi / 3), cy + r * math.cos(k * math.pi / 3))
                for k in range(6)
            ]
            draw.polygon(hexagon, fill=(150, 92, 18))
            inner = [
                (cx + (r - 6) * math.sin(k * math.pi / 3), cy + (r - 6) * math.cos(k * math.pi / 3))
                for k in range(6)
            ]
            draw.polygon(inner, fill=_jitter(rng, (226, 160, 40), 18))
            draw.ellipse([cx - 12, cy - 16, cx + 2, cy - 4], fill=(250, 210, 120))
    return image.filter(ImageFilter.GaussianBlur(2.5))


def jars(rng, content=(120, 30, 20), lid=(180, 40, 40), speckle=None, background="linen", count=3):
    """Glass jars of chili paste, chili salt or honey, with tied cloth covers."""
    image = _honeycomb(rng) if background == "honeycomb" else _background(rng, background)
    if background != "honeycomb":
        ImageDraw.Draw(image).rectangle([0, HEIGHT * 0.72, WIDTH, HEIGHT], fill=(150, 104, 64))
        image = image.filter(ImageFilter.GaussianBlur(1))
    w, h = 230, 320
    gap = (WIDTH - count * w) / (count + 1)
    for i in range(count):
        x = gap + i * (w + gap)
        y = HEIGHT * 0.78 - h - (i % 2) * 20 + rng.randint(-10, 10)
        _jar(image, rng, x, y, w, h, _jitter(rng, content, 8), lid, speckle)
    return _finish(image)


def honey(rng, background="honeycomb"):
    """Amber honey jars on a honeycomb, with a wooden dipper."""
    image = jars(rng, content=(214, 140, 20), lid=(230, 190, 80), background=background, count=2)
    draw = ImageDraw.Draw(image)
    x, y = WIDTH * 0.78, HEIGHT * 0.25
    draw.line([(x, y), (x + 200, y + 420)], fill=(120, 80, 40), width=16)
    for k in range(5):
        draw.ellipse(
            [x - 40 + k * 4, y - 30 + k * 22, x + 40 - k * 4, y + 10 + k * 22], fill=(160, 108, 50)
        )
    draw.ellipse([x - 30, y + 90, x + 30, y + 140], fill=(230, 160, 30))
    return image


def tins(rng, balm=(226, 190, 60), background="leaf"):
    """Round tins of herbal balm, some open, on a banana leaf."""
    image = _background(rng, background)
    for i in range(5):
        cx = WIDTH * (0.18 + 0.16 * i) + rng.randint(-20, 20)
        cy = HEIGHT * (0.4 if i % 2 else 0.62) + rng.randint(-20, 20)
        r = rng.randint(95, 120)
        _shadow(image, [cx - r, cy - r * 0.6, cx + r * 1.2, cy + r * 1.2], blur=10)
        draw = ImageDraw.Draw(image)
        draw.ellipse([cx - r, cy - r * 0.8 + 14, cx + r, cy + r * 0.8 + 14], fill=(110, 110, 116))
        draw.ellipse([cx - r, cy - r * 0.8, cx + r, cy + r * 0.8], fill=(200, 200, 206))
        if i % 2 == 0:
            draw.ellipse(
                [cx - r * 0.85, cy - r * 0.66, cx + r * 0.85, cy + r * 0.66],
                fill=_jitter(rng, balm, 10),
            )
            draw.ellipse(
                [cx - r * 0.5, cy - r * 0.45, cx - r * 0.1, cy - r * 0.2],
                fill=_mix(balm, (255, 255, 255), 0.5),
            )
        else:
            draw.ellipse(
                [cx - r * 0.85, cy - r * 0.66, cx + r * 0.85, cy + r * 0.66], fill=(40, 110, 70)
            )
            draw.ellipse(
                [cx - r * 0.55, cy - r * 0.42, cx + r * 0.55, cy + r * 0.42], fill=(226, 210, 140)
            )
    return _finish(image)


def compress(rng, cloth=(232, 222, 196), background="bamboo"):
    """Herbal compress balls tied in cotton cloth, with lemongrass and turmeric slices."""
    image = _background(rng, background)
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x, y = rng.uniform(0, WIDTH), rng.uniform(HEIGHT * 0.7, HEIGHT)
        draw.line(
            [(x, y), (x + rng.uniform(150, 260), y - rng.uniform(-40, 40))],
            fill=_jitter(rng, (150, 180, 90), 20),
            width=12,
        )
    for _ in range(22):
        x, y = rng.uniform(40, WIDTH - 40), rng.uniform(HEIGHT * 0.05, HEIGHT * 0.3)
        r = rng.uniform(16, 26)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(200, 120, 20))
        draw.ellipse([x - r * 0.7, y - r * 0.7, x + r * 0.7, y + r * 0.7], fill=(236, 160, 30))
    for i in range(3):
        cx, cy, r = WIDTH * (0.25 + 0.25 * i), HEIGHT * 0.55, 130
        _shadow(image, [cx - r, cy - r * 0.2, cx + r * 1.2, cy + r * 1.2], blur=14)
        draw = ImageDraw.Draw(image)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=_mix(cloth, (0, 0, 0), 0.12))
        draw.ellipse([cx - r * 0.9, cy - r * 0.95, cx + r * 0.8, cy + r * 0.75], fill=cloth)
        for _ in range(40):
            a = rng.uniform(0, 2 * math.pi)
            d = rng.uniform(0.2, 0.9) * r
            draw.line(
                [(cx, cy - r * 0.9), (cx + math.cos(a) * d, cy + math.sin(a) * d)],
                fill=_mix(cloth, (120, 100, 60), 0.25),
                width=2,
            )
        # The gathered neck and the handle.
        draw.polygon(
            [
                (cx - 30, cy - r * 0.95),
                (cx + 30, cy - r * 0.95),
                (cx + 18, cy - r * 1.5),
                (cx - 18, cy - r * 1.5),
            ],
            fill=cloth,
        )
        draw.rectangle([cx - 26, cy - r * 1.08, cx + 26, cy - r * 0.98], fill=(170, 40, 40))
    return _finish(image)


def leaves(rng, background="bamboo"):
    """Tea (miang) leaves spread on a drying tray."""
    image = _background(rng, background)
    draw = ImageDraw.Draw(image)
    for _ in range(110):
        x, y = rng.uniform(-40, WIDTH + 40), rng.uniform(-40, HEIGHT + 40)
        a, length, width = rng.uniform(0, 2 * math.pi), rng.uniform(90, 150), rng.uniform(30, 45)
        color = _jitter(rng, rng.choice([(70, 120, 40), (90, 140, 50), (110, 120, 50)]), 15)
        ca, sa = math.cos(a), math.sin(a)
        points = []
        for k in range(13):
            t = k / 12
            w = width * math.sin(math.pi * t) ** 0.8
            points.append((x + ca * length * t - sa * w, y + sa * length * t + ca * w))
        for k in range(12, -1, -1):
            t = k / 12
            w = -width * math.sin(math.pi * t) ** 0.8
            points.append((x + ca * length * t - sa * w, y + sa * length * t + ca * w))
        draw.polygon([(px + 3, py + 4) for px, py in points], fill=(40, 30, 15))
        draw.polygon(points, fill=color)
        draw.line(
            [(x, y), (x + ca * length, y + sa * length)],
            fill=_mix(color, (220, 230, 160), 0.4),
            width=3,
        )
    return _finish(image)


def cup(rng, background="dark_wood"):
    """A cup of black coffee from above, beans scattered around it."""
    image = _background(rng, background)
    draw = ImageDraw.Draw(image)
    for _ in range(70):
        _grain(draw, rng, rng.uniform(0, WIDTH), rng.uniform(0, HEIGHT), "coffee", 1.6)
    cx, cy, r = WIDTH * 0.5, HEIGHT * 0.5, 250
    _shadow(image, [cx - r, cy - r * 0.8, cx + r * 1.25, cy + r * 1.2])
    draw = ImageDraw.Draw(image)
    draw.ellipse(
        [cx + r * 0.75, cy - 50, cx + r * 1.25, cy + 50], outline=(236, 232, 224), width=26
    )
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(236, 232, 224))
    draw.ellipse([cx - r * 0.78, cy - r * 0.78, cx + r * 0.78, cy + r * 0.78], fill=(70, 36, 18))
    draw.ellipse([cx - r * 0.7, cy - r * 0.7, cx + r * 0.7, cy + r * 0.7], fill=(150, 92, 50))
    draw.ellipse([cx - r * 0.5, cy - r * 0.5, cx + r * 0.5, cy + r * 0.5], fill=(110, 62, 30))
    draw.ellipse([cx - r * 0.45, cy - r * 0.6, cx - r * 0.1, cy - r * 0.45], fill=(190, 140, 90))
    return _finish(image)


# --- woven things ------------------------------------------------------------


def _stripes(rng, palette, count):
    return [(rng.choice(palette), rng.randint(14, 60)) for _ in range(count)]


def mat(rng, palette, round_mat=False, background="floor"):
    """A hand-woven rag doormat seen from above: looped stripes, fringe at the ends."""
    image = _background(rng, background)
    if round_mat:
        cx, cy, r = WIDTH * 0.5, HEIGHT * 0.5, HEIGHT * 0.42
        _shadow(image, [cx - r, cy - r * 0.9, cx + r * 1.1, cy + r * 1.1])
        draw = ImageDraw.Draw(image)
        ring, color = r, rng.choice(palette)
        while ring > 10:
            if rng.random() < 0.25:
                color = rng.choice(palette)
            count = max(8, int(2 * math.pi * ring / 16))
            for k in range(count):
                a = 2 * math.pi * k / count
                x, y = cx + math.cos(a) * ring, cy + math.sin(a) * ring
                draw.polygon(
                    _oval(x, y, 11, 7, a + math.pi / 2 + (0.5 if k % 2 else -0.5)),
                    fill=_jitter(rng, color, 18),
                )
            ring -= 13
        return _finish(image)
    x0, y0, x1, y1 = WIDTH * 0.12, HEIGHT * 0.18, WIDTH * 0.88, HEIGHT * 0.82
    _shadow(image, [x0, y0 + 20, x1 + 30, y1 + 40], strength=90)
    draw = ImageDraw.Draw(image)
    draw.rectangle([x0, y0, x1, y1], fill=(60, 40, 30))
    x = x0
    for color, width in _stripes(rng, palette, 40):
        if x >= x1:
            break
        for col in range(int(x), int(min(x + width, x1)), 12):
            for row in range(int(y0), int(y1), 10):
                tilt = 0.6 if (row // 10) % 2 else -0.6
                draw.polygon(
                    _oval(col + 6, row + 5, 8, 5, math.pi / 2 + tilt), fill=_jitter(rng, color, 20)
                )
        x += width
    for fy in (y0, y1):
        for fx in range(int(x0) + 6, int(x1), 16):
            end = fy - 40 if fy == y0 else fy + 40
            draw.line([(fx, fy), (fx + rng.randint(-6, 6), end)], fill=(236, 226, 200), width=4)
    return _finish(image)


def _pattern_cloth(rng, size, pattern, palette):
    """A flat piece of woven or dyed cloth, filling `size`."""
    w, h = size
    base = palette[0]
    cloth = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(cloth)
    if pattern == "nam_lai":
        # Tai Lue 'flowing water' bands: stepped zigzags between plain bands.
        y = 0
        while y < h:
            band = rng.randint(60, 120)
            color, accent = rng.choice(palette[1:]), rng.choice(palette[1:])
            draw.rectangle([0, y, w, y + band], fill=color)
            step = band // 4
            for x in range(-band, w + band, band):
                zig = [(x, y + band), (x + band / 2, y), (x + band, y + band)]
                draw.line(zig, fill=accent, width=step)
            draw.rectangle([0, y + band, w, y + band + 10], fill=base)
            y += band + 10
    elif pattern == "stripes":
        x = 0
        for color, width in _stripes(rng, palette, 200):
            if x > w:
                break
            draw.rectangle([x, 0, x + width, h], fill=color)
            x += width
    elif pattern == "shibori":
        mask = Image.new("L", size, 0)
        mdraw = ImageDraw.Draw(mask)
        for row in range(0, h + 120, 120):
            for col in range(0, w + 120, 120):
                cx, cy = col + (row // 120 % 2) * 60, row
                for k in range(3):
                    r = 44 - k * 14
                    mdraw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=255 - k * 60, width=6)
        mask = mask.filter(ImageFilter.GaussianBlur(4))
        cloth.paste(palette[1], mask=mask)
    elif pattern == "grid":
        for x in range(0, w, 90):
            draw.rectangle([x, 0, x + 10, h], fill=palette[1])
            draw.rectangle([x + 20, 0, x + 24, h], fill=palette[1])
        for y in range(0, h, 90):
            draw.rectangle([0, y, w, y + 10], fill=palette[1])
            draw.rectangle([0, y + 20, w, y + 24], fill=palette[1])
    elif pattern == "gradient":
        for y in range(0, h, 4):
            t = y / h
            if t < 0.5:
                color = _mix(palette[1], palette[2], t * 2)
            else:
                color = _mix(palette[2], palette[3], t * 2 - 1)
            draw.rectangle([0, y, w, y + 4], fill=_jitter(rng, color, 5))
        # Thin accent stripes woven in every few centimetres.
        for x in range(rng.randint(20, 60), w, 70):
            draw.rectangle([x, 0, x + 5, h], fill=_mix(palette[0], (250, 240, 220), 0.55))
            draw.rectangle([x + 12, 0, x + 14, h], fill=palette[0])
    # Weave texture: fine threads both ways.
    texture = Image.new("L", size, 0)
    tdraw = ImageDraw.Draw(texture)
    for x in range(0, w, 4):
        tdraw.line([(x, 0), (x, h)], fill=rng.randint(10, 40))
    for y in range(0, h, 4):
        tdraw.line([(0, y), (w, y)], fill=rng.randint(0, 30))
    cloth.paste((0, 0, 0), mask=texture)
    return cloth


def cloth(rng, pattern, palette, background="wood"):
    """Folded cloth stacked on a table: three folds, each showing its pattern and edge."""
    image = _background(rng, background)
    x0, x1 = WIDTH * 0.14, WIDTH * 0.86
    y = HEIGHT * 0.12
    for layer in range(3):
        height = HEIGHT * 0.24
        _shadow(
            image, [x0 - 10, y + height * 0.5, x1 + 30, y + height * 1.25], strength=90, blur=10
        )
        piece = _pattern_cloth(rng, (int(x1 - x0), int(height)), pattern, palette)
        image.paste(piece, (int(x0 + layer * 8), int(y)))
        draw = ImageDraw.Draw(image)
        draw.rectangle(
            [x0 + layer * 8, y + height - 14, x1 + layer * 8, y + height],
            fill=_mix(palette[0], (0, 0, 0), 0.35),
        )
        y += height + 22
    return _finish(image)


def drape(rng, pattern, palette):
    """A length of cloth filling the frame, with soft folds of light and shade."""
    piece = _pattern_cloth(rng, (WIDTH, HEIGHT), pattern, palette)
    folds = Image.new("L", (WIDTH, HEIGHT), 0)
    fdraw = ImageDraw.Draw(folds)
    for x in range(WIDTH):
        fdraw.line(
            [(x, 0), (x, HEIGHT)], fill=int(70 * (0.5 + 0.5 * math.sin(x / 70 + math.sin(x / 230))))
        )
    piece.paste((0, 0, 0), mask=folds)
    return _finish(piece)


def shirt(rng, color=(28, 42, 92), background="linen"):
    """A mo hom shirt laid flat: indigo body, collarless neck, wooden buttons, one pocket."""
    image = _background(rng, background)
    cx, top = WIDTH * 0.5, HEIGHT * 0.1
    body = [
        (cx - 120, top),
        (cx - 330, top + 60),
        (cx - 470, top + 300),
        (cx - 370, top + 350),
        (cx - 260, top + 200),
        (cx - 260, top + 760),
        (cx + 260, top + 760),
        (cx + 260, top + 200),
        (cx + 370, top + 350),
        (cx + 470, top + 300),
        (cx + 330, top + 60),
        (cx + 120, top),
        (cx, top + 90),
    ]
    _shadow(image, [cx - 300, top + 100, cx + 330, top + 800], strength=80)
    fabric = _pattern_cloth(
        rng, (WIDTH, HEIGHT), "stripes", [color, color, _mix(color, (0, 0, 0), 0.15)]
    )
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).polygon(body, fill=255)
    image.paste(fabric, mask=mask)
    draw = ImageDraw.Draw(image)
    edge = _mix(color, (0, 0, 0), 0.4)
    draw.line(body + [body[0]], fill=edge, width=5)
    draw.line([(cx, top + 90), (cx, top + 760)], fill=edge, width=4)
    for k in range(5):
        y = top + 150 + k * 120
        draw.ellipse([cx + 12, y - 11, cx + 34, y + 11], fill=(150, 110, 70))
    draw.rectangle([cx - 210, top + 230, cx - 90, top + 350], outline=edge, width=4)
    return _finish(image)


def bag(rng, pattern, palette, background="linen"):
    """A woven tote bag standing on a table, with two cloth handles."""
    image = _background(rng, background)
    ImageDraw.Draw(image).rectangle([0, HEIGHT * 0.8, WIDTH, HEIGHT], fill=(168, 120, 76))
    x0, y0, x1, y1 = WIDTH * 0.28, HEIGHT * 0.3, WIDTH * 0.72, HEIGHT * 0.86
    _shadow(image, [x0, y1 - 40, x1 + 60, y1 + 30], blur=10)
    draw = ImageDraw.Draw(image)
    for hx in (x0 + 90, x1 - 170):
        draw.arc(
            [hx, y0 - 180, hx + 80, y0 + 60],
            180,
            360,
            fill=_mix(palette[0], (0, 0, 0), 0.2),
            width=24,
        )
    piece = _pattern_cloth(rng, (int(x1 - x0), int(y1 - y0)), pattern, palette)
    image.paste(piece, (int(x0), int(y0)))
    draw.rectangle([x0, y0, x1, y0 + 30], fill=_mix(palette[0], (0, 0, 0), 0.2))
    return _finish(image)


def basket(rng, background="wood"):
    """Bamboo sticky-rice baskets (กระติบข้าว): woven cylinders with lids and a woven foot."""
    image = _background(rng, background)
    for i, (cx, scale) in enumerate(((0.3, 1.0), (0.66, 0.8), (0.86, 0.55))):
        cx = WIDTH * cx
        w, h = 300 * scale, 360 * scale
        bottom = HEIGHT * 0.85
        top = bottom - h
        _shadow(image, [cx - w / 2, bottom - 40, cx + w / 2 + 60, bottom + 30], blur=10)
        draw = ImageDraw.Draw(image)
        light = (222, 190, 128) if i % 2 == 0 else (200, 160, 96)
        dark = _mix(light, (60, 36, 16), 0.4)
        draw.rectangle([cx - w / 2, top, cx + w / 2, bottom], fill=dark)
        cell = 16 * scale
        for row in range(int(h / cell) + 1):
            for col in range(int(w / cell) + 1):
                x, y = cx - w / 2 + col * cell, top + row * cell
                if (row + col) % 4 < 2:
                    draw.rectangle(
                        [x + 1, y + 2, x + cell * 2 - 2, y + cell - 2], fill=_jitter(rng, light, 10)
                    )
        draw.rectangle(
            [cx - w / 2 - 6, top - 10, cx + w / 2 + 6, top + h * 0.3], outline=dark, width=6
        )
        draw.rectangle(
            [cx - w / 2 + 10, bottom - 8, cx + w / 2 - 10, bottom + 12], fill=(90, 56, 26)
        )
        draw.line(
            [(cx - w / 2 + 12, top + h * 0.3), (cx - w / 2 + 12, bottom - 10)],
            fill=(70, 44, 20),
            width=5,
        )
    return _finish(image)


def weave(rng, background="wood"):
    """Two woven bamboo trays, one leaning on the other, showing the twill weave."""
    image = _background(rng, background)
    for cx, cy, r in ((0.36, 0.52, 0.3), (0.68, 0.5, 0.26)):
        cx, cy, r = WIDTH * cx, HEIGHT * cy, WIDTH * r
        _shadow(image, [cx - r, cy - r * 0.9, cx + r * 1.15, cy + r * 1.15])
        draw = ImageDraw.Draw(image)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(112, 74, 34))
        tray = Image.new("RGB", (int(2 * r), int(2 * r)), (150, 110, 60))
        tdraw = ImageDraw.Draw(tray)
        cell = 12
        light, dark = (226, 192, 130), (186, 146, 86)
        for row in range(int(2 * r / cell) + 2):
            for col in range(int(2 * r / cell) + 2):
                x, y = col * cell, row * cell
                if (col + row // 2) % 4 < 2:
                    tdraw.rectangle(
                        [x + 1, y + 1, x + cell * 2 - 1, y + cell - 1], fill=_jitter(rng, light, 8)
                    )
                else:
                    tdraw.rectangle(
                        [x + 1, y + 1, x + cell - 1, y + cell * 2 - 1], fill=_jitter(rng, dark, 8)
                    )
        tray = tray.rotate(rng.uniform(0, 90))
        mask = Image.new("L", tray.size, 0)
        ImageDraw.Draw(mask).ellipse([r * 0.08, r * 0.08, r * 1.92, r * 1.92], fill=255)
        image.paste(tray, (int(cx - r), int(cy - r)), mask)
    return _finish(image)


# --- entry point -------------------------------------------------------------

SCENES = {
    "grains": grains,
    "chilies": chilies,
    "powder": powder,
    "jars": jars,
    "honey": honey,
    "tins": tins,
    "compress": compress,
    "leaves": leaves,
    "cup": cup,
    "mat": mat,
    "cloth": cloth,
    "drape": drape,
    "shirt": shirt,
    "bag": bag,
    "basket": basket,
    "weave": weave,
}


def render(scene, seed, **options):
    """Draw one scene with a fixed seed and return it as an RGB image."""
    return SCENES[scene](random.Random(seed), **options)


def photo_bytes(scene, seed, **options):
    """Draw one scene and encode it as JPEG bytes, ready for add_product_image."""
    buffer = io.BytesIO()
    render(scene, seed, **options).save(buffer, "JPEG", quality=88)
    return buffer.getvalue()
