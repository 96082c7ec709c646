from icgg.settings import Settings


def test_environment_variable_overrides_index_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("ICGG_INDEX_DIR", str(tmp_path / "elsewhere"))
    assert Settings(_env_file=None).index_dir == tmp_path / "elsewhere"


def test_default_index_dir_is_data_index(monkeypatch):
    monkeypatch.delenv("ICGG_INDEX_DIR", raising=False)
    assert str(Settings(_env_file=None).index_dir) == "data/index"
