"""Each PAR sub-criterion says where its points come from (DOMAIN.md §8; docs/dashboards.md).

The national methodology is Decision 876/QĐ-BNV of 10/11/2022 (Bộ Nội vụ: the PAR index of
ministries and provinces, 2022–2030); a province issues its own index for its departments and
communes. The points of the sub-criteria below could not be read in either text here, so each
shipped default is marked "chưa đối chiếu — tỉnh nhập": the Sở Nội vụ enters the points of its
own decision in the admin, where a source and "đã đối chiếu" are recorded with them. A source
the province already wrote is never overwritten.
"""

from django.db import migrations, models

METHODOLOGY = (
    "Quyết định 876/QĐ-BNV ngày 10/11/2022 của Bộ Nội vụ (Đề án xác định Chỉ số CCHC của các "
    "bộ, cơ quan ngang bộ, UBND tỉnh, thành phố trực thuộc Trung ương giai đoạn 2022–2030), "
    "lĩnh vực Cải cách chế độ công vụ; điểm cho sở, ngành và UBND cấp xã theo bộ Chỉ số CCHC "
    "do UBND tỉnh ban hành. "
)
UNVERIFIED = (
    "Điểm chưa đối chiếu — tỉnh nhập theo quyết định của tỉnh. Đã đọc: DOMAIN.md §8 (dự án); "
    "https://bacninh.gov.vn/news/-/details/20182/quyet-inh-876-q-bnv-cua-bo-noi-vu-phe-duyet-"
    "e-an-xac-inh-chi-so-cai-cach-hanh-chinh-cua-cac-bo-co-quan-ngang-bo-ubnd-tinh-thanh-pho-"
    "truc-thuoc-trung-uong-giai-oan-2022-2030-42322197 (QĐ 876 và giai đoạn 2022–2030); "
    "Quyết định 3463/QĐ-UBND ngày 25/11/2022 của UBND tỉnh Quảng Ninh (bộ Chỉ số CCHC của tỉnh, "
    "căn cứ QĐ 876 ngày 10/11/2022; chỉ đọc được phần đầu văn bản, không có bảng điểm) qua "
    "https://huggingface.co/datasets/241288-kltn/tvpl/viewer/default/train?p=2 (bản của "
    "thuvienphapluat.vn)."
)
SOURCES = {
    # code: what the sub-criterion evidences, in the methodology's words (our mapping)
    "CV-DG1": "Tiêu chí thành phần về thực hiện đánh giá, xếp loại chất lượng CBCCVC đúng "
    "thời hạn (Nghị định 335/2025/NĐ-CP; hạn trong quy định của tỉnh). ",
    "CV-DG2": "Tiêu chí thành phần về đánh giá, xếp loại đủ CBCCVC thuộc thẩm quyền. ",
    "CV-DG3": "Tiêu chí thành phần về công khai kết quả đánh giá, xếp loại. ",
    "CV-DG4": "Tiêu chí thành phần về tỷ lệ xếp loại HTXSNV không vượt quy định (Nghị định "
    "335/2025/NĐ-CP: không quá 20% số HTTNV trong cùng cơ quan và nhóm nhiệm vụ tương đồng). ",
}


def forwards(apps, schema_editor):
    ParSubCriterion = apps.get_model("dashboards", "ParSubCriterion")
    for criterion in ParSubCriterion.objects.filter(code__in=list(SOURCES), source=""):
        criterion.source = METHODOLOGY + SOURCES[criterion.code] + UNVERIFIED
        criterion.verified = False
        criterion.save(update_fields=["source", "verified"])


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0003_export_job")]
    operations = [
        migrations.AddField(
            model_name="parsubcriterion",
            name="source",
            field=models.TextField(
                blank=True,
                help_text=(
                    "Văn bản quy định tiêu chí thành phần và điểm (số, ký hiệu, mục), và nơi đã "
                    "đọc để đối chiếu."
                ),
                verbose_name="Căn cứ (văn bản, nơi đối chiếu)",
            ),
        ),
        migrations.AddField(
            model_name="parsubcriterion",
            name="verified",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Bỏ chọn khi điểm chưa được đối chiếu với văn bản: tỉnh nhập theo bộ chỉ số "
                    "của tỉnh."
                ),
                verbose_name="Điểm đã đối chiếu với văn bản",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
