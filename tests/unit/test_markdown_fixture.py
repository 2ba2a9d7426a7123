def test_md_fixture_renders_with_site_extensions(md):
    html = md('??? tip "Solution"\n    hidden\n\n$x^2$\n')
    assert "<details" in html and "arithmatex" in html
