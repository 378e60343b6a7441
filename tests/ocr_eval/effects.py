"""Camera and surface effects for rendered photos, with pillow only.

Each effect takes a seeded ``random.Random`` and bounds its strength by the
height of the code text in the final photo, so that every code stays legible
to a person: blur radii and motion lengths are a fraction of a letter height,
glare never turns text fully white, noise never drowns the contrast.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]


def solve(matrix: list[list[float]], values: list[float]) -> list[float]:
    """Solve a small linear system by Gaussian elimination (partial pivoting)."""
    n = len(values)
    rows = [row[:] + [value] for row, value in zip(matrix, values, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(n):
            if r != col and rows[col][col]:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [
                    a - factor * b for a, b in zip(rows[r], rows[col], strict=True)
                ]
    return [rows[i][n] / rows[i][i] for i in range(n)]


def perspective_coeffs(dst: Quad, src: Quad) -> list[float]:
    """Coefficients for ``Image.transform(PERSPECTIVE)`` mapping ``dst`` to ``src``."""
    matrix, values = [], []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values += [u, v]
    return solve(matrix, values)


def place(canvas: Image.Image, item: Image.Image, quad: Quad) -> Image.Image:
    """``item`` (RGBA) warped onto the corners ``quad`` of ``canvas``."""
    w, h = item.size
    src: Quad = ((0, 0), (w, 0), (w, h), (0, h))
    coeffs = perspective_coeffs(quad, src)
    warped = item.transform(
        canvas.size,
        Image.Transform.PERSPECTIVE,
        coeffs,
        resample=Image.Resampling.BICUBIC,
        fillcolor=(0, 0, 0, 0),
    )
    out = canvas.copy()
    out.paste(warped, (0, 0), warped)
    return out


def item_quad(
    rng: random.Random,
    size: tuple[int, int],
    center: Point,
    scale: float,
    angle: float,
    tilt: float,
) -> Quad:
    """Corners of an item of ``size``: scaled, turned by ``angle`` degrees, and
    foreshortened by ``tilt`` (0 = facing the camera, 0.3 = strongly oblique)."""
    w, h = size[0] * scale / 2, size[1] * scale / 2
    corners = [(-w, -h), (w, -h), (w, h), (-w, h)]
    if tilt:
        side = rng.choice(("left", "right", "top", "bottom"))
        shrink = {"left": (0, 3), "right": (1, 2), "top": (0, 1), "bottom": (3, 2)}[
            side
        ]
        for index in shrink:
            x, y = corners[index]
            if side in ("left", "right"):
                corners[index] = (x * (1 - tilt / 3), y * (1 - tilt))
            else:
                corners[index] = (x * (1 - tilt), y * (1 - tilt / 3))
    rad = math.radians(angle)
    cos, sin = math.cos(rad), math.sin(rad)
    cx, cy = center
    a, b, c, d = ((cx + x * cos - y * sin, cy + x * sin + y * cos) for x, y in corners)
    return (a, b, c, d)


def quad_bounds(quad: Quad) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    return min(xs), min(ys), max(xs), max(ys)


def curve(item: Image.Image, bow: float, strips: int = 48) -> Image.Image:
    """The item wrapped round a pipe: lines bow by ``bow`` pixels, ends narrow."""
    w, h = item.size
    pad = int(abs(bow)) + 2
    out_w = int(w * 0.92)
    mesh = []
    for i in range(strips):
        x0, x1 = out_w * i / strips, out_w * (i + 1) / strips

        def source_x(x: float) -> float:
            # Foreshortening of a cylinder seen from the front.
            t = (x / out_w) * 2 - 1
            return (
                (math.asin(max(-1.0, min(1.0, t * 0.92))) / math.asin(0.92) + 1) * w / 2
            )

        def lift(x: float) -> float:
            t = (x / out_w) * 2 - 1
            return bow * (1 - t * t)

        sx0, sx1 = source_x(x0), source_x(x1)
        l0, l1 = lift(x0), lift(x1)
        box = (int(x0), 0, int(math.ceil(x1)), h + 2 * pad)
        quad = (
            sx0,
            -pad + l0,
            sx0,
            h + pad + l0,
            sx1,
            h + pad + l1,
            sx1,
            -pad + l1,
        )
        mesh.append((box, quad))
    return item.transform(
        (out_w, h + 2 * pad),
        Image.Transform.MESH,
        mesh,
        resample=Image.Resampling.BICUBIC,
        fillcolor=(0, 0, 0, 0),
    )


def wear(
    rng: random.Random, item: Image.Image, paper: tuple[int, int, int]
) -> Image.Image:
    """Scuffs, specks and scratches in the label's own colour, sparse enough to read."""
    out = item.copy()
    draw = ImageDraw.Draw(out)
    w, h = out.size
    fill = (*paper, 255)
    for _ in range(int(w * h / 2500)):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.6, 2.2)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
    for _ in range(rng.randint(3, 8)):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        length, angle = rng.uniform(w * 0.1, w * 0.4), rng.uniform(0, math.pi)
        end = (x + length * math.cos(angle), y + length * math.sin(angle))
        draw.line((x, y, *end), fill=fill, width=rng.randint(1, 2))
    faded = ImageEnhance.Contrast(out.convert("RGB")).enhance(rng.uniform(0.55, 0.75))
    faded.putalpha(item.getchannel("A"))
    return faded


def scuff(
    rng: random.Random,
    item: Image.Image,
    paper: tuple[int, int, int],
    *,
    density: float,
    scratches: int,
    contrast: float,
) -> Image.Image:
    """Wear in measured degrees: ``density`` specks per pixel, ``scratches``
    scratches, and print faded to ``contrast`` of its own."""
    out = item.copy()
    draw = ImageDraw.Draw(out)
    w, h = out.size
    fill = (*paper, 255)
    for _ in range(int(w * h * density)):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.6, 2.2)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
    for _ in range(scratches):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        length, angle = rng.uniform(w * 0.1, w * 0.4), rng.uniform(0, math.pi)
        end = (x + length * math.cos(angle), y + length * math.sin(angle))
        draw.line((x, y, *end), fill=fill, width=rng.randint(1, 3))
    faded = ImageEnhance.Contrast(out.convert("RGB")).enhance(contrast)
    faded.putalpha(item.getchannel("A"))
    return faded


def glare(
    rng: random.Random, image: Image.Image, avoid: Sequence[Quad] = ()
) -> Image.Image:
    """A bright, soft highlight; at most 55 % white so text stays visible."""
    w, h = image.size
    mask = Image.new("L", image.size, 0)
    draw = ImageDraw.Draw(mask)
    rx, ry = rng.uniform(0.08, 0.2) * w, rng.uniform(0.05, 0.14) * h
    cx, cy = rng.uniform(0.15, 0.85) * w, rng.uniform(0.15, 0.85) * h
    draw.ellipse(
        (cx - rx, cy - ry, cx + rx, cy + ry), fill=int(255 * rng.uniform(0.35, 0.55))
    )
    mask = mask.filter(ImageFilter.GaussianBlur(max(rx, ry) * 0.35))
    white = Image.new("RGB", image.size, (255, 255, 250))
    return Image.composite(white, image, mask)


def screen_interference(rng: random.Random, image: Image.Image) -> Image.Image:
    """LCD moire (two fine line patterns beating), scan lines and a reflection."""
    w, h = image.size
    pattern = Image.new("L", image.size, 255)
    for _ in range(2):
        period = rng.uniform(3.0, 5.5)
        angle = rng.uniform(-40, 40)
        stripes = Image.new("L", (int(w * 1.6), int(h * 1.6)), 255)
        draw = ImageDraw.Draw(stripes)
        x = 0.0
        while x < stripes.width:
            draw.line((x, 0, x, stripes.height), fill=int(255 * rng.uniform(0.82, 0.9)))
            x += period
        stripes = stripes.rotate(angle, resample=Image.Resampling.BILINEAR)
        left, top = (stripes.width - w) // 2, (stripes.height - h) // 2
        pattern = ImageChops.multiply(
            pattern, stripes.crop((left, top, left + w, top + h))
        )
    shaded = ImageChops.multiply(image, Image.merge("RGB", (pattern,) * 3))
    lines = Image.new("L", image.size, 0)
    draw = ImageDraw.Draw(lines)
    for y in range(0, h, 3):
        draw.line((0, y, w, y), fill=28)
    shaded = Image.composite(Image.new("RGB", image.size, 0), shaded, lines)
    return reflection(rng, shaded)


def reflection(rng: random.Random, image: Image.Image) -> Image.Image:
    """A broad, faint diagonal band of reflected light (a window on the glass)."""
    w, h = image.size
    band = Image.new("L", (w * 2, h * 2), 0)
    draw = ImageDraw.Draw(band)
    width = rng.uniform(0.1, 0.25) * w
    x = rng.uniform(0.3, 1.7) * w
    draw.rectangle((x, 0, x + width, h * 2), fill=int(255 * rng.uniform(0.15, 0.3)))
    band = band.rotate(rng.uniform(20, 60)).filter(ImageFilter.GaussianBlur(width / 4))
    band = band.crop((w // 2, h // 2, w // 2 + w, h // 2 + h))
    return Image.composite(Image.new("RGB", image.size, (235, 240, 255)), image, band)


def low_light(rng: random.Random, image: Image.Image) -> Image.Image:
    """Dim, warm and noisy, as a phone shoots in a dark plant room."""
    dim = ImageEnhance.Brightness(image).enhance(rng.uniform(0.4, 0.55))
    r, g, b = dim.split()
    dim = Image.merge("RGB", (r, g, b.point(lambda v: int(v * 0.85))))
    return noise(rng, dim, rng.uniform(6, 11))


def noise(rng: random.Random, image: Image.Image, sigma: float) -> Image.Image:
    """Zero-mean sensor noise of ``sigma`` grey levels (seeded, so repeatable)."""
    side = 256
    values = bytes(
        max(0, min(255, round(128 + rng.gauss(0, sigma)))) for _ in range(side * side)
    )
    tile = Image.frombytes("L", (side, side), values)
    grain = Image.new("L", image.size)
    flips = (None, Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.FLIP_TOP_BOTTOM)
    for top in range(0, image.height, side):
        for left in range(0, image.width, side):
            flip = rng.choice(flips)
            grain.paste(tile if flip is None else tile.transpose(flip), (left, top))
    return ImageChops.add(
        image, Image.merge("RGB", (grain,) * 3), scale=1.0, offset=-128
    )


def defocus(rng: random.Random, image: Image.Image, text_px: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(rng.uniform(0.07, 0.12) * text_px))


def motion_blur(rng: random.Random, image: Image.Image, text_px: float) -> Image.Image:
    """A straight shake of about a fifth of a letter height."""
    length = rng.uniform(0.12, 0.22) * text_px
    return shake(image, length, rng.uniform(0, math.pi))


def shake(image: Image.Image, length: float, angle: float) -> Image.Image:
    """A straight shake of ``length`` pixels along ``angle`` (radians)."""
    steps = max(3, int(length))
    out = image
    for i in range(1, steps + 1):
        t = (i / steps - 0.5) * length
        dx, dy = t * math.cos(angle), t * math.sin(angle)
        shifted = image.transform(
            image.size,
            Image.Transform.AFFINE,
            (1, 0, dx, 0, 1, dy),
            resample=Image.Resampling.BILINEAR,
        )
        out = Image.blend(out, shifted, 1 / (i + 1))
    return out


def background(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A surface to photograph items on: painted metal, cardboard or a bench."""
    w, h = size
    base = [rng.randint(40, 200) for _ in range(3)]
    other = [max(0, min(255, c + rng.randint(-50, 50))) for c in base]
    gradient = Image.linear_gradient("L").resize(size).rotate(rng.uniform(0, 360))
    image = Image.composite(
        Image.new("RGB", size, tuple(base)),
        Image.new("RGB", size, tuple(other)),
        gradient,
    )
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(3, 9)):
        x, y = rng.uniform(-0.2, 1) * w, rng.uniform(-0.2, 1) * h
        colour = tuple(max(0, min(255, c + rng.randint(-40, 40))) for c in base)
        draw.rectangle(
            (x, y, x + rng.uniform(0.1, 0.5) * w, y + rng.uniform(0.05, 0.3) * h),
            fill=colour,
        )
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(4, 12)))
    return noise(rng, image, rng.uniform(2, 5))
