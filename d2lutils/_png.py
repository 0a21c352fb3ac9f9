"""PNG files of figures: quick ones for the live view, small ones for the static book, same pixels.

matplotlib measures every text it draws (tick labels, titles) once per renderer, and a new figure
gets a new renderer; :class:`FrameRenderer` draws each frame of an interactive figure with the
renderer kept from the last frame of the same size, so the texts the frames share are measured
once. :func:`compact_png` then stores a frame for the static book in as few bytes as it can.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from PIL import Image

from d2lutils.plot import figure_to_png


class FrameRenderer:
    """``png(fig, crop)`` is ``figure_to_png(fig, crop=crop, fast=True)``, with kept renderers.

    The pixels are the same as a fresh renderer's; a redraw takes 10-25% less time (more for
    pictures with much text). A few renderers are kept, one per picture size (``crop=True``
    gives frames of different sizes); the one unused the longest makes room for a new size.
    """

    KEEP = 4

    def __init__(self) -> None:
        self._renderers: dict[tuple[int, int, float], RendererAgg] = {}

    def renderer(self, width: int, height: int, dpi: float) -> RendererAgg:
        """The kept renderer for pictures of ``width`` x ``height`` pixels at ``dpi``."""
        key = (width, height, dpi)
        renderer = self._renderers.pop(key, None)  # put back last: the newest used
        if renderer is None:
            if len(self._renderers) >= self.KEEP:
                del self._renderers[next(iter(self._renderers))]  # the longest unused
            renderer = RendererAgg(width, height, dpi)
        self._renderers[key] = renderer
        return renderer

    def png(self, fig: Figure, crop: bool) -> bytes:
        """PNG bytes of ``fig``, which is then closed."""
        if not isinstance(fig, Figure):
            raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
        canvas = fig.canvas
        _KeptRendererCanvas(fig, self)  # what savefig itself does for a canvas that cannot save
        try:
            return figure_to_png(fig, crop=crop, fast=True)
        finally:
            fig.set_canvas(canvas)


class _KeptRendererCanvas(FigureCanvasAgg):
    """An Agg canvas that draws with its :class:`FrameRenderer`'s renderer of the right size."""

    def __init__(self, figure: Figure, frames: FrameRenderer) -> None:
        self._frames = frames
        super().__init__(figure)

    def get_renderer(self) -> RendererAgg:
        width, height = self.get_width_height(physical=True)
        return self._frames.renderer(width, height, self.figure.dpi)


def compact_png(png: bytes) -> bytes:
    """The same pixels in fewer bytes: matplotlib's RGBA file re-saved without its alpha channel.

    A picture of at most 256 colours is stored with a palette of exactly those colours (a plot of
    flat colours shrinks 2-3x); one with more colours (anti-aliased lines and text) is stored as
    RGB, losslessly compressed harder (about 10% smaller). A picture with any transparent pixel
    keeps its alpha channel and is only compressed harder. Files of other modes are returned
    unchanged, and so is any picture that re-saving would not shrink.
    """
    with Image.open(io.BytesIO(png)) as im:
        if im.mode not in ("RGB", "RGBA"):
            return png
        if im.mode == "RGBA" and im.getextrema()[3][0] < 255:
            out = im.copy()  # transparent pixels: the alpha channel stays
        else:
            out = im.convert("RGB")
            if out.getcolors(256) is not None:  # few colours: a palette holds every one of them
                out = out.convert("P", palette=Image.Palette.ADAPTIVE)  # 256 colours
        buf = io.BytesIO()
        out.save(buf, format="PNG", optimize=True)
    return buf.getvalue() if buf.tell() < len(png) else png
