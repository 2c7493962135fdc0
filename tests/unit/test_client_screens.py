"""Real frames of every screen, rendered under SDL's dummy video driver and saved as PNGs.

The game frame comes from the server's own simulation through the real protocol into a Match
(``client.showcase``). Each picture must be a picture: the right size, many colours, and no
single colour filling almost all of it.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pygame
import pytest

from client.input_map import InputMapper
from client.showcase import SCREENS, render_all


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    directory = tmp_path_factory.mktemp("screens")
    try:
        yield render_all(directory)
    finally:
        pygame.display.quit()


def colours(path: Path) -> Counter[tuple[int, int, int]]:
    image = pygame.image.load(str(path))
    w, h = image.get_size()
    return Counter(tuple(image.get_at((x, y)))[:3] for x in range(0, w, 4) for y in range(0, h, 4))


@pytest.mark.parametrize("screen", SCREENS)
def test_every_screen_renders_a_real_picture(screenshots: dict[str, Path], screen: str) -> None:
    path = screenshots[screen]
    assert path.exists() and path.stat().st_size > 2000
    assert pygame.image.load(str(path)).get_size() == (800, 600)
    seen = colours(path)
    most_common_share = seen.most_common(1)[0][1] / sum(seen.values())
    assert len(seen) >= 12, f"{screen}: only {len(seen)} colours"
    assert most_common_share < 0.97, f"{screen}: {most_common_share:.0%} one colour"


def test_the_game_frame_shows_ships_in_their_colours_and_the_gold_skin(screenshots: dict[str, Path]) -> None:
    from client.ui import theme

    seen = colours(screenshots["game"])
    assert theme.GOLD in seen  # a premium player's skin (and the HUD's score)
    assert sum(1 for c in theme.PLAYER_COLOURS[:5] if c in seen) >= 3  # several ships, each its colour


def test_keys_and_mouse_map_to_an_intent() -> None:
    mapper = InputMapper(mouse_idle=3.0)
    held = {pygame.K_d, pygame.K_w, pygame.K_SPACE}
    mapper.mouse_moved(now=10.0)
    intent = mapper.intent(lambda k: k in held, mouse=(500, 300), mouse_fire=False, ship_on_screen=(400, 300), now=10.5)
    assert intent.move_x == pytest.approx(0.7071, abs=1e-3) and intent.move_y == pytest.approx(-0.7071, abs=1e-3)
    assert intent.aim == pytest.approx(0.0) and intent.fire
    # Keyboard only: the mouse has been still for a while, so the ship aims where it goes.
    later = mapper.intent(lambda k: k == pygame.K_s, mouse=(500, 300), mouse_fire=False, ship_on_screen=(0, 0), now=20)
    assert later.aim == pytest.approx(1.5708, abs=1e-3) and not later.fire
