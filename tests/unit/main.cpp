#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/test_support.hpp"

#include <doctest/doctest.h>

namespace {

// Notes failed assertions so that TempDir keeps its directory.
struct FailureListener : doctest::IReporter {
    explicit FailureListener(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats&) override {}
    void test_case_start(const doctest::TestCaseData&) override {}
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override
    {
        fanout::test::TempDir::s_failed = true;
    }
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData& data) override
    {
        fanout::test::TempDir::s_failed = fanout::test::TempDir::s_failed || data.m_failed;
    }
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};
REGISTER_LISTENER("temp_dirs", 1, FailureListener);

} // namespace
