#include <catch2/catch.hpp>

#include <sstream>

#include "identity/v1/identity.pb.h"
#include "tools/cloudctl/output.h"

using namespace stratus::cloudctl;
namespace id = cloud::identity::v1;

namespace {

id::Project project(const std::string& name, const std::string& description) {
  id::Project p;
  p.set_id("id-" + name);
  p.set_name(name);
  p.set_description(description);
  p.set_enabled(true);
  p.mutable_created_at()->set_seconds(1'700'000'000);
  return p;
}

}  // namespace

TEST_CASE("a table aligns columns under a header without trailing blanks") {
  std::string table = render_table({"ID", "NAME", "NOTE"}, {{"1", "alpha", ""}, {"22", "b", "x"}});
  CHECK(table ==
        "ID  NAME   NOTE\n"
        "1   alpha\n"
        "22  b      x\n");
}

TEST_CASE("columns are as wide as their widest cell in characters, not bytes") {
  std::string table = render_table({"N", "X"}, {{"héllo", "1"}, {"a", "2"}});
  CHECK(table ==
        "N      X\n"
        "héllo  1\n"
        "a      2\n");
}

TEST_CASE("a table without a header prints only rows") {
  CHECK(render_table({}, {{"a", "b"}}) == "a  b\n");
}

TEST_CASE("fields print as text: timestamps in RFC 3339, repeated joined, nested by path") {
  id::TokenInfo info;
  info.set_user_name("demo");
  info.add_roles("member");
  info.add_roles("reader");
  info.mutable_expires_at()->set_seconds(1'700'000'000);
  info.mutable_expires_at()->set_nanos(5);
  CHECK(field_text(info, "roles") == "member,reader");
  CHECK(field_text(info, "expires_at") == "2023-11-14T22:13:20Z");
  CHECK(field_text(info, "issued_at") == "");
  id::Token token;
  *token.mutable_info() = info;
  CHECK(field_text(token, "info.user_name") == "demo");
  CHECK(column_header("info.user_name") == "USER_NAME");
  CHECK(column_header("flavor.name") == "FLAVOR");  // not a second NAME
  CHECK_THROWS(field_text(token, "nope"));
}

TEST_CASE("an object prints as a FIELD/VALUE table with nested fields flattened") {
  id::CreatedAccessKey created;
  created.mutable_key()->set_access_key_id("AK1");
  created.set_secret("shh");
  std::ostringstream out, notes;
  Output(out, notes, false).object(created);
  CHECK(out.str() ==
        "FIELD              VALUE\n"
        "key.access_key_id  AK1\n"
        "key.user_id\n"
        "key.project_id\n"
        "key.created_at\n"
        "secret             shh\n");
}

TEST_CASE("a list prints as a table with the chosen columns") {
  id::ListProjectsResponse response;
  *response.add_projects() = project("web", "front end");
  *response.add_projects() = project("db", "");
  std::ostringstream out, notes;
  Output(out, notes, false).list(response.projects(), {"id", "name", "enabled", "created_at"});
  CHECK(out.str() ==
        "ID      NAME  ENABLED  CREATED_AT\n"
        "id-web  web   true     2023-11-14T22:13:20Z\n"
        "id-db   db    true     2023-11-14T22:13:20Z\n");
}

TEST_CASE("--json prints snake_case names and every primitive field, a list as an array") {
  std::ostringstream out, notes;
  Output json(out, notes, true);
  json.object(project("web", ""));
  CHECK_THAT(out.str(), Catch::Contains("\"created_at\": \"2023-11-14T22:13:20Z\""));
  CHECK_THAT(out.str(), Catch::Contains("\"description\": \"\""));

  id::ListProjectsResponse response;
  *response.add_projects() = project("a", "");
  *response.add_projects() = project("b", "");
  std::ostringstream list_out;
  Output(list_out, notes, true).list(response.projects(), {"id"});
  CHECK_THAT(list_out.str(), Catch::StartsWith("[\n{"));
  CHECK_THAT(list_out.str(), Catch::EndsWith("}\n]\n"));
  CHECK_THAT(list_out.str(), Catch::Contains("\"name\": \"b\""));

  std::ostringstream empty_out;
  Output(empty_out, notes, true).list(id::ListProjectsResponse().projects(), {"id"});
  CHECK(empty_out.str() == "[]\n");
}

TEST_CASE("--json leaves out text meant for people, while notes go to their own stream") {
  std::ostringstream out, notes;
  Output json(out, notes, true);
  json.text("Logged in");
  json.note("shown once");
  CHECK(out.str().empty());
  CHECK(notes.str() == "shown once\n");
}

TEST_CASE("an unset optional field prints empty, not as its zero") {
  id::UpdateUserRequest update;
  CHECK(field_text(update, "enabled").empty());
  update.set_enabled(false);
  CHECK(field_text(update, "enabled") == "false");
}

TEST_CASE("byte counts read as a person reads them") {
  CHECK(human_size(0) == "0 B");
  CHECK(human_size(1023) == "1023 B");
  CHECK(human_size(1536) == "1.50 KiB");
  CHECK(human_size(20ULL << 20) == "20.0 MiB");
  CHECK(human_size((9ULL << 30) / 4) == "2.25 GiB");
  CHECK(size_cell(id::Project(), "").empty());
}

TEST_CASE("a cell format changes the table, never the JSON") {
  auto p = project("alpha", "1073741824");
  std::ostringstream table, json, notes;
  CellFormats formats{{"description", size_cell}};
  Output(table, notes, false).list(std::vector<const google::protobuf::Message*>{&p}, {"name", "description"}, formats);
  CHECK(table.str() == "NAME   DESCRIPTION\nalpha  1.00 GiB\n");
  Output(json, notes, true).list(std::vector<const google::protobuf::Message*>{&p}, {"name", "description"}, formats);
  CHECK_THAT(json.str(), Catch::Contains("\"description\": \"1073741824\""));
}
