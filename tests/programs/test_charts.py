"""The charts' SVG, drawn by templates/includes/chart_hbar.html from the geometry of reports/charts.py."""

from django.template.loader import render_to_string

from reports.charts import hbar_chart


def test_hbar_chart_escapes_and_shortens_labels():
    chart = hbar_chart("Top <institutions>", [("Badan <Kepegawaian> & Pelatihan Daerah Provinsi Banten", 3)])
    chart.dom_id = "chart-x"

    html = render_to_string("includes/chart_hbar.html", {"chart": chart})

    assert html == (
        '<figure class="chart mb-4" id="chart-x">\n'
        '  <figcaption class="fw-semibold mb-1">Top &lt;institutions&gt;</figcaption>\n'
        "  \n"
        '  <svg viewBox="0 0 620 38" width="620" height="38" role="img" aria-labelledby="chart-x-t chart-x-d"'
        ' xmlns="http://www.w3.org/2000/svg">\n'
        '    <title id="chart-x-t">Top &lt;institutions&gt;</title>\n'
        '    <desc id="chart-x-d">Badan &lt;Kepegawaian&gt; &amp; Pelatihan Daerah Provinsi Banten: 3</desc>\n'
        "    \n"
        '    <text x="254" y="23" text-anchor="end">Badan &lt;Kepegawaian&gt; &amp; Pelatihan Daera…</text>\n'
        '    <rect x="260" y="8" width="310.0" height="22" fill="#0b5394">'
        "<title>Badan &lt;Kepegawaian&gt; &amp; Pelatihan Daerah Provinsi Banten: 3</title></rect>\n"
        '    <text x="576.0" y="23">3</text>\n'
        "    \n"
        "  </svg>\n"
        '  <details class="small"><summary>Data as a table</summary>\n'
        '    <table class="table table-sm w-auto"><tbody>\n'
        '      <tr><th scope="row">Badan &lt;Kepegawaian&gt; &amp; Pelatihan Daerah Provinsi Banten</th>'
        '<td class="text-end">3</td></tr>\n'
        "    </tbody></table>\n"
        "  </details>\n"
        "  \n"
        "</figure>\n"
    )


def test_hbar_chart_without_bars_says_so():
    chart = hbar_chart("By rank", [])
    chart.dom_id = "chart-y"

    assert render_to_string("includes/chart_hbar.html", {"chart": chart}) == (
        '<figure class="chart mb-4" id="chart-y">\n'
        '  <figcaption class="fw-semibold mb-1">By rank</figcaption>\n'
        "  \n"
        '  <p class="text-body-secondary small">No data yet.</p>\n'
        "  \n"
        "</figure>\n"
    )
