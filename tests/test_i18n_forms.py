"""Validation errors and record pages in Chinese: the user's language end to end."""


def _zh(client):
    client.post("/language", data={"lang": "zh"})


def test_company_form_errors_are_chinese_and_keep_input(client, make_user, login):
    login(make_user())
    _zh(client)
    page = client.post(
        "/companies/new", data={"name_en": "", "name_zh": "", "city": "杭州", "website": "javascript:alert(1)"}
    ).get_data(as_text=True)
    assert "请输入英文名或中文名" in page
    assert 'value="杭州"' in page
    assert "javascript:alert(1)" in page  # kept, escaped by Jinja, and refused
    assert "http://" in page and "https://" in page  # the Chinese error names the schemes


def test_builtin_wtforms_messages_are_translated(client, make_user, login):
    login(make_user())
    _zh(client)
    page = client.post("/companies/new", data={"name_en": "x" * 201}).get_data(as_text=True)
    assert "Field cannot be longer" not in page
    assert "字段长度不能超过 200 个字符" in page


def test_lists_and_forms_render_in_chinese(client, make_user, login, make_company):
    login(make_user("manager"))
    make_company(name_en="Hangzhou Thunder Animation", name_zh="杭州雷霆动画")
    _zh(client)
    for url, words in [
        ("/companies/", ["新建公司", "导入"]),
        ("/companies/new", ["英文名", "中文名"]),
        ("/contacts/new", ["微信号"]),
        ("/meetings/new", ["时长"]),
        ("/leads/new", ["来源"]),
        ("/titles/new", ["集数"]),
        ("/events/new", ["时区"]),
        ("/tasks/", ["任务"]),
        ("/search/?q=lt", ["杭州雷霆动画"]),
    ]:
        page = client.get(url).get_data(as_text=True)
        for word in words:
            assert word in page, (url, word)
