#include "hal/ixgbe/reg_names.hpp"

#include <string>
#include <unordered_map>

#include <fmt/format.h>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/ixgbe/regs_vf.hpp"

namespace hal::ixgbe {

namespace {

using NameMap = std::unordered_map<uint32_t, std::string>;

/// The first name given to an offset wins: MPC0 is listed before MPC(tc), so MPC(0) reads as
/// the name the init sequence uses.
void name_one(NameMap& m, Reg32 r, std::string_view name) { m.emplace(r.offset, name); }

template <typename F>
void name_indexed(NameMap& m, std::string_view name, unsigned count, F reg) {
  for (unsigned i = 0; i < count; ++i) m.emplace(reg(i).offset, fmt::format("{}({})", name, i));
}

NameMap build_pf() {
  namespace r = hal::ixgbe::pf;
  NameMap m;
  const std::pair<Reg32, std::string_view> scalars[] = {
      {r::CTRL, "CTRL"},         {r::STATUS, "STATUS"},       {r::CTRL_EXT, "CTRL_EXT"},
      {r::EEC, "EEC"},           {r::RDRXCTL, "RDRXCTL"},     {r::LINKS, "LINKS"},
      {r::AUTOC, "AUTOC"},       {r::HLREG0, "HLREG0"},       {r::MAXFRS, "MAXFRS"},
      {r::FCTRL, "FCTRL"},       {r::MCSTCTRL, "MCSTCTRL"},   {r::RXCTRL, "RXCTRL"},
      {r::DMATXCTL, "DMATXCTL"}, {r::EICR, "EICR"},           {r::EICS, "EICS"},
      {r::EIAC, "EIAC"},         {r::EIMS, "EIMS"},           {r::EIMC, "EIMC"},
      {r::EIAM, "EIAM"},         {r::GPIE, "GPIE"},           {r::IVAR_MISC, "IVAR_MISC"},
      {r::VT_CTL, "VT_CTL"},     {r::PFDTXGSWC, "PFDTXGSWC"}, {r::SSVPC, "SSVPC"},
      {r::MRQC, "MRQC"},         {r::MTQC, "MTQC"},           {r::GCR_EXT, "GCR_EXT"},
      {r::RTTDCS, "RTTDCS"},     {r::QDE, "QDE"},             {r::RTTDQSEL, "RTTDQSEL"},
      {r::RTTBCNRM, "RTTBCNRM"}, {r::RTTBCNRC, "RTTBCNRC"},   {r::GPRC, "GPRC"},
      {r::GPTC, "GPTC"},         {r::MPC0, "MPC0"},           {r::CRCERRS, "CRCERRS"},
      {r::RLEC, "RLEC"},         {r::RUC, "RUC"},             {r::RFC, "RFC"},
      {r::ROC, "ROC"},           {r::RJC, "RJC"},             {r::VLNCTRL, "VLNCTRL"},
      {r::RXCSUM, "RXCSUM"},     {r::ESDP, "ESDP"},           {r::AUTOC2, "AUTOC2"},
      {r::FCRTV, "FCRTV"},       {r::FCCFG, "FCCFG"},         {r::MFLCN, "MFLCN"},
      {r::SECRXCTRL, "SECRXCTRL"}, {r::SECRXSTAT, "SECRXSTAT"}, {r::DTXMXSZRQ, "DTXMXSZRQ"},
      {r::ILLERRC, "ILLERRC"},   {r::ERRBC, "ERRBC"},         {r::MLFC, "MLFC"},
      {r::MRFC, "MRFC"},         {r::BPRC, "BPRC"},           {r::MPRC, "MPRC"},
      {r::GORCL, "GORCL"},       {r::GORCH, "GORCH"},         {r::GOTCL, "GOTCL"},
      {r::GOTCH, "GOTCH"},       {r::TORL, "TORL"},           {r::TORH, "TORH"},
      {r::TPR, "TPR"},           {r::TPT, "TPT"},             {r::MPTC, "MPTC"},
      {r::BPTC, "BPTC"},
  };
  for (const auto& [reg, name] : scalars) name_one(m, reg, name);

  // Table sizes as the datasheet gives them (8.2.3): 64 IVARs, 4 MBVFICR/MBVFIMR words of 16
  // VFs, 2 words of 32 pools or VFs, 8 PFVFSPOOF words of 8 pools, 128 RAR/MPSAR entries.
  name_indexed(m, "IVAR", 64, r::IVAR);
  name_indexed(m, "PFMAILBOX", r::kMaxVfs, r::PFMAILBOX);
  for (unsigned vf = 0; vf < r::kMaxVfs; ++vf) {
    for (unsigned w = 0; w < hal::ixgbe::vf::kMbxWords; ++w) {
      m.emplace(r::PFMBMEM(vf, w).offset, fmt::format("PFMBMEM({},{})", vf, w));
    }
  }
  name_indexed(m, "MBVFICR", 4, r::MBVFICR);
  name_indexed(m, "MBVFIMR", 4, r::MBVFIMR);
  name_indexed(m, "VFLRE", 2, r::VFLRE);
  name_indexed(m, "VFLREC", 2, r::VFLREC);
  name_indexed(m, "VFRE", 2, r::VFRE);
  name_indexed(m, "VFTE", 2, r::VFTE);
  name_indexed(m, "PFVFSPOOF", 8, r::PFVFSPOOF);
  name_indexed(m, "VMECM", 2, r::VMECM);
  name_indexed(m, "VMOLR", r::kNumPools, r::VMOLR);
  name_indexed(m, "VMVIR", r::kNumPools, r::VMVIR);
  name_indexed(m, "VLVF", r::kNumVlvf, r::VLVF);
  name_indexed(m, "VLVFB", 2 * r::kNumVlvf, r::VLVFB);
  name_indexed(m, "VFTA", r::kNumVfta, r::VFTA);
  name_indexed(m, "RAL", r::kNumRar, r::RAL);
  name_indexed(m, "RAH", r::kNumRar, r::RAH);
  name_indexed(m, "MPSAR_LO", r::kNumRar, r::MPSAR_LO);
  name_indexed(m, "MPSAR_HI", r::kNumRar, r::MPSAR_HI);
  name_indexed(m, "MTA", r::kNumMta, r::MTA);
  name_indexed(m, "PSRTYPE", r::kNumPools, r::PSRTYPE);
  name_indexed(m, "RDBAL", r::kNumQueues, r::RDBAL);
  name_indexed(m, "RDBAH", r::kNumQueues, r::RDBAH);
  name_indexed(m, "RDLEN", r::kNumQueues, r::RDLEN);
  name_indexed(m, "RDH", r::kNumQueues, r::RDH);
  name_indexed(m, "SRRCTL", r::kNumQueues, r::SRRCTL);
  name_indexed(m, "RDT", r::kNumQueues, r::RDT);
  name_indexed(m, "RXDCTL", r::kNumQueues, r::RXDCTL);
  name_indexed(m, "TDBAL", r::kNumQueues, r::TDBAL);
  name_indexed(m, "TDBAH", r::kNumQueues, r::TDBAH);
  name_indexed(m, "TDLEN", r::kNumQueues, r::TDLEN);
  name_indexed(m, "TDH", r::kNumQueues, r::TDH);
  name_indexed(m, "TDT", r::kNumQueues, r::TDT);
  name_indexed(m, "TXDCTL", r::kNumQueues, r::TXDCTL);
  name_indexed(m, "TDWBAL", r::kNumQueues, r::TDWBAL);
  name_indexed(m, "TDWBAH", r::kNumQueues, r::TDWBAH);
  name_indexed(m, "RETA", r::kNumReta, r::RETA);
  name_indexed(m, "RSSRK", r::kNumRssrk, r::RSSRK);
  name_indexed(m, "PFUTA", 128, r::PFUTA);
  name_indexed(m, "FCTTV", 4, r::FCTTV);
  name_indexed(m, "FCRTL", 8, r::FCRTL);
  name_indexed(m, "FCRTH", 8, r::FCRTH);
  name_indexed(m, "RXPBSIZE", 8, r::RXPBSIZE);
  name_indexed(m, "TXPBSIZE", 8, r::TXPBSIZE);
  name_indexed(m, "MPC", 8, r::MPC);
  return m;
}

NameMap build_vf() {
  namespace r = hal::ixgbe::vf;
  NameMap m;
  const std::pair<Reg32, std::string_view> scalars[] = {
      {r::VFCTRL, "VFCTRL"},         {r::VFSTATUS, "VFSTATUS"},     {r::VFLINKS, "VFLINKS"},
      {r::VFFRTIMER, "VFFRTIMER"},   {r::VFEICR, "VFEICR"},         {r::VFEICS, "VFEICS"},
      {r::VFEIMS, "VFEIMS"},         {r::VFEIMC, "VFEIMC"},         {r::VFEIAC, "VFEIAC"},
      {r::VFEIAM, "VFEIAM"},         {r::VFIVAR_MISC, "VFIVAR_MISC"}, {r::VFPSRTYPE, "VFPSRTYPE"},
      {r::VFMAILBOX, "VFMAILBOX"},   {r::VFGPRC, "VFGPRC"},         {r::VFGORC_LSB, "VFGORC_LSB"},
      {r::VFGORC_MSB, "VFGORC_MSB"}, {r::VFMPRC, "VFMPRC"},         {r::VFGPTC, "VFGPTC"},
      {r::VFGOTC_LSB, "VFGOTC_LSB"}, {r::VFGOTC_MSB, "VFGOTC_MSB"},
  };
  for (const auto& [reg, name] : scalars) name_one(m, reg, name);
  name_indexed(m, "VFIVAR", 4, r::VFIVAR);
  name_indexed(m, "VFMBMEM", r::kMbxWords, r::VFMBMEM);
  name_indexed(m, "VFEITR", r::kNumVectors, r::VFEITR);
  name_indexed(m, "VFRDBAL", r::kMaxQueues, r::VFRDBAL);
  name_indexed(m, "VFRDBAH", r::kMaxQueues, r::VFRDBAH);
  name_indexed(m, "VFRDLEN", r::kMaxQueues, r::VFRDLEN);
  name_indexed(m, "VFDCA_RXCTRL", r::kMaxQueues, r::VFDCA_RXCTRL);
  name_indexed(m, "VFRDH", r::kMaxQueues, r::VFRDH);
  name_indexed(m, "VFSRRCTL", r::kMaxQueues, r::VFSRRCTL);
  name_indexed(m, "VFRDT", r::kMaxQueues, r::VFRDT);
  name_indexed(m, "VFRXDCTL", r::kMaxQueues, r::VFRXDCTL);
  name_indexed(m, "VFRSCCTL", r::kMaxQueues, r::VFRSCCTL);
  name_indexed(m, "VFTDBAL", r::kMaxQueues, r::VFTDBAL);
  name_indexed(m, "VFTDBAH", r::kMaxQueues, r::VFTDBAH);
  name_indexed(m, "VFTDLEN", r::kMaxQueues, r::VFTDLEN);
  name_indexed(m, "VFDCA_TXCTRL", r::kMaxQueues, r::VFDCA_TXCTRL);
  name_indexed(m, "VFTDH", r::kMaxQueues, r::VFTDH);
  name_indexed(m, "VFTDT", r::kMaxQueues, r::VFTDT);
  name_indexed(m, "VFTXDCTL", r::kMaxQueues, r::VFTXDCTL);
  name_indexed(m, "VFTDWBAL", r::kMaxQueues, r::VFTDWBAL);
  name_indexed(m, "VFTDWBAH", r::kMaxQueues, r::VFTDWBAH);
  return m;
}

std::string_view lookup(const NameMap& m, uint32_t offset) {
  const auto it = m.find(offset);
  return it == m.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace

std::string_view pf_reg_name(uint32_t offset) {
  static const NameMap names = build_pf();  // built once, on the first trace
  return lookup(names, offset);
}

std::string_view vf_reg_name(uint32_t offset) {
  static const NameMap names = build_vf();
  return lookup(names, offset);
}

}  // namespace hal::ixgbe
