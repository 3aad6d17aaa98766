def test_login_page_renders_in_chinese(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_home_lists_all_ten_parts(alice_client):
    body = alice_client.get("/").content.decode()
    for title in ["一标三实", "警情", "矛盾纠纷", "案件与案管", "反诈", "行车卫士", "平安智慧小区", "综合指挥室", "报表与考核", "户籍室与法规学习"]:
        assert title in body
