"""Documents of a project and its reports (批复文件, 合同, 验收资料): services, forms, views."""
