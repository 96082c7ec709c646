from icgg.docs import README, render_readme


def test_readme_configuration_table_matches_settings():
    text = README.read_text(encoding="utf-8")
    assert render_readme(text) == text, "README settings table is stale: run `python -m icgg.docs`"


def test_readme_gives_the_two_setup_commands():
    text = README.read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text
