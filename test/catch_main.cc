// The one Catch2 main shared by every test binary, with a reporter that prints
// TAP with one line per test case (Catch2's own TAP reporter prints one per
// assertion). meson reads it (protocol 'tap') and .ci/run counts its lines, so
// the totals are test cases. Failed assertions become '#' diagnostics.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <sstream>
#include <string>

namespace {

class TapCaseReporter : public Catch::StreamingReporterBase<TapCaseReporter> {
 public:
  using StreamingReporterBase::StreamingReporterBase;

  static std::string getDescription() { return "TAP, one line per test case"; }

  void noMatchingTestCases(const std::string& spec) override {
    stream << "# no test case matches " << spec << '\n';
  }

  void assertionStarting(const Catch::AssertionInfo&) override {}

  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    StreamingReporterBase::testCaseStarting(info);
    failures_.str({});
    stream << "# " << info.name << '\n' << std::flush;  // shows where a hang happened
  }

  bool assertionEnded(const Catch::AssertionStats& stats) override {
    const Catch::AssertionResult& r = stats.assertionResult;
    if (r.isOk()) return true;
    std::ostringstream one;
    one << r.getSourceInfo().file << ':' << r.getSourceInfo().line << ": ";
    if (r.hasExpression()) one << r.getExpressionInMacro() << " with expansion " << r.getExpandedExpression();
    if (r.hasMessage()) one << ' ' << r.getMessage();
    for (const Catch::MessageInfo& m : stats.infoMessages) one << " [" << m.message << ']';
    // Every line of a diagnostic must start with '#' to stay valid TAP.
    std::istringstream lines(one.str());
    for (std::string line; std::getline(lines, line);) failures_ << "#   " << line << '\n';
    return true;
  }

  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    ++count_;
    const bool ok = stats.totals.assertions.failed == 0;
    stream << (ok ? "ok " : "not ok ") << count_ << " - " << stats.testInfo.name << '\n';
    if (!ok) stream << failures_.str();
    stream << std::flush;
    StreamingReporterBase::testCaseEnded(stats);
  }

  void testRunEnded(const Catch::TestRunStats& stats) override {
    stream << "1.." << count_ << '\n' << std::flush;
    StreamingReporterBase::testRunEnded(stats);
  }

 private:
  int count_ = 0;
  std::ostringstream failures_;
};

}  // namespace

CATCH_REGISTER_REPORTER("cases", TapCaseReporter)
