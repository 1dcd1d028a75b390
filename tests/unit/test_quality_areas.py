"""GB/T 2260 division codes: current and abolished, the names above each, and the name index."""

from __future__ import annotations

from importlib import resources

from customer_core.quality.areas import area, area_exists, every_area, name_index, short_names


def test_a_current_district_knows_its_province_and_city() -> None:
    haidian = area("110108")
    assert haidian is not None and haidian.current
    assert (haidian.province, haidian.city, haidian.district) == ("北京市", "北京市", "海淀区")
    nanshan = area("440305")
    assert nanshan is not None and (nanshan.province, nanshan.city) == ("广东省", "深圳市")
    assert nanshan.level == "district"


def test_abolished_codes_are_kept_with_their_last_year() -> None:
    chongwen = area("110103")
    assert chongwen is not None and chongwen.name == "崇文区"
    assert not chongwen.current and chongwen.last_year == 2009
    assert area_exists("110103") and area_exists("110104")


def test_codes_that_never_existed_are_not_found() -> None:
    for code in ["999999", "000000", "11010", "1101031", "abcdef"]:
        assert area(code) is None and not area_exists(code)


def test_both_current_and_abolished_codes_are_plentiful() -> None:
    everything = list(every_area())
    current = list(every_area(current_only=True))
    assert len(current) > 3000 and len(everything) - len(current) > 3000
    assert all(found.current for found in current)


def test_the_data_file_ships_in_the_package() -> None:
    data = resources.files("customer_core.quality").joinpath("data/areas.tsv.gz")
    assert data.is_file()


def test_short_names_are_what_addresses_write() -> None:
    assert short_names("广东省") == ("广东",)
    assert short_names("北京市") == ("北京",)
    assert short_names("内蒙古自治区") == ("内蒙古",)
    assert short_names("新疆维吾尔自治区") == ("新疆",)
    assert short_names("延边朝鲜族自治州") == ("延边",)
    assert short_names("西双版纳傣族自治州") == ("西双版纳",)
    assert short_names("香港特别行政区") == ("香港",)
    assert short_names("海淀区") == ()


def test_the_name_index_holds_only_current_divisions() -> None:
    index = name_index()
    assert [found.code for found in index["广东"]] == ["440000"]
    assert "崇文区" not in index
    assert {found.code for found in index["朝阳区"]} == {"110105", "220104"}
